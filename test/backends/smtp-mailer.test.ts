import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/backends/smtp-mailer.js';
import { loadConfig } from '../../src/config.js';
import { createHarness } from '../support/harness.js';
import { scriptedModel } from '../support/scripted-model.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** A local SMTP sink on 127.0.0.1 (port 0): plain text, no auth, every message kept. */
async function startSink(options: { reject?: boolean } = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (options.reject) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)),
  );
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const message = {
  to: 'sarah@example.com',
  subject: 'Your verification code',
  text: 'Hello Sarah,\n\nYour verification code is 123456. It expires in 10 minutes.\n',
  idempotencyKey: 'code:conv_1:1',
};

describe('createSmtpMailer (SMTP_URL, SMTP_FROM)', () => {
  it('is configured by SMTP_URL with SMTP_FROM, and refuses one without the other', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://mail.example:587', SMTP_FROM: 'support@shop.example' });
    expect(config.SMTP_URL).toBe('smtp://mail.example:587');
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example:587' })).toThrow(/SMTP_FROM/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example', SMTP_FROM: 'x@y.z' })).toThrow(/SMTP_URL/);
  });

  it('delivers the mail from SMTP_FROM with a Message-ID derived from the idempotency key', async () => {
    const sink = await startSink();
    cleanups.push(sink.close);
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${sink.port}`, from: 'Support <support@shop.example>' });
    cleanups.push(() => mailer.close());

    const { messageId } = await mailer.send(message);
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.from).toBe('support@shop.example');
    expect(mail.to).toEqual(['sarah@example.com']);
    expect(mail.raw).toMatch(/^Subject: Your verification code\r?$/m);
    expect(mail.raw).toContain('Your verification code is 123456.');
    expect(messageId).toMatch(/^<[0-9a-f]{32}@shop\.example>$/);
    expect(mail.raw).toContain(`Message-ID: ${messageId}`);
  });

  it('sends one message per idempotency key, also when the sends overlap', async () => {
    const sink = await startSink();
    cleanups.push(sink.close);
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${sink.port}`, from: 'support@shop.example' });
    cleanups.push(() => mailer.close());

    const [a, b] = await Promise.all([mailer.send(message), mailer.send(message)]);
    const c = await mailer.send(message);
    expect(sink.received).toHaveLength(1);
    expect(new Set([a.messageId, b.messageId, c.messageId]).size).toBe(1);
    await mailer.send({ ...message, idempotencyKey: 'code:conv_1:2' });
    expect(sink.received).toHaveLength(2);
  });

  it('rejects when the server refuses the message, and sends it when tried again with the same key', async () => {
    const refusing = await startSink({ reject: true });
    cleanups.push(refusing.close);
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${refusing.port}`, from: 'support@shop.example' });
    cleanups.push(() => mailer.close());
    await expect(mailer.send(message)).rejects.toThrow();
    await expect(mailer.send(message)).rejects.toThrow(); // not remembered as sent

    const closed = createSmtpMailer({ url: 'smtp://127.0.0.1:1', from: 'support@shop.example' });
    cleanups.push(() => closed.close());
    await expect(closed.send(message)).rejects.toThrow();
  });
});

describe('one-time codes through SMTP (I16)', () => {
  it('mails the code of an MCP get_customer through the SMTP mailer, and that code verifies', async () => {
    const sink = await startSink();
    cleanups.push(sink.close);
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${sink.port}`, from: 'support@shop.example' });
    cleanups.push(() => mailer.close());
    const h = await createHarness(scriptedModel([]), { wrapBackends: (b) => ({ ...b, mailer }) });
    cleanups.push(() => h.close());
    const { conversation_id: id, token } = await h.runtime.createConversation();

    const sent = await h.runtime.proposeAsMcp(id, token, 'get_customer', { email: 'sarah@example.com' });
    expect(sent.result).toEqual({ code_sent: true });
    expect(sink.received.map((m) => m.to)).toEqual([['sarah@example.com']]);
    const code = /code is (\d{6})/.exec(sink.received[0]!.raw)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await h.runtime.proposeAsMcp(id, token, 'verify_code', { code });
    expect(verified.result).toEqual({ verified: true });
  });
});
