/**
 * The real mailer: SMTP through nodemailer (`SMTP_URL`, sender `SMTP_FROM`). SMTP itself has no
 * idempotency, so one key is sent once per process: a retry with the same key (after a timeout, say)
 * joins the send already made or in flight instead of sending again; and the Message-ID is derived from
 * the key, so a receiving system that deduplicates by Message-ID sees one message across processes.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './types.js';

export interface SmtpMailerOptions {
  /** e.g. `smtp://user:pass@mail.example.com:587` or `smtps://…:465`; URL query options go to nodemailer. */
  url: string;
  /** The sender, e.g. `Support <support@example.com>`. */
  from: string;
  /** Keys remembered for deduplication (default 10,000; the oldest are forgotten first). */
  rememberKeys?: number;
}

const domainOf = (from: string) => /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'support.invalid';

/** Creates the SMTP mailer; `close()` ends its pooled connections. */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer & { close(): void } {
  // bounded waits where the URL sets none (the runtime also bounds each attempt)
  const transport = nodemailer.createTransport(
    { url: options.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 },
    { from: options.from },
  );
  const domain = domainOf(options.from);
  const remember = options.rememberKeys ?? 10_000;
  const sent = new Map<string, Promise<{ messageId: string }>>();

  async function deliver(message: MailMessage): Promise<{ messageId: string }> {
    const id = createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 32);
    const info = await transport.sendMail({
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId: `<${id}@${domain}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    return { messageId: String(info.messageId ?? `<${id}@${domain}>`) };
  }

  return {
    send(message) {
      const known = sent.get(message.idempotencyKey);
      if (known) return known;
      const sending = deliver(message);
      sent.set(message.idempotencyKey, sending);
      // a failed send may be tried again with the same key
      sending.catch(() => sent.delete(message.idempotencyKey));
      while (sent.size > remember) {
        const oldest = sent.keys().next().value;
        if (oldest === undefined) break;
        sent.delete(oldest);
      }
      return sending;
    },
    close: () => transport.close(),
  };
}
