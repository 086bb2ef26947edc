import { describe, expect, it } from 'vitest';
import { captureLogs } from './log-capture.js';

describe('the logger', () => {
  it('writes JSON lines with an ISO time, a level name and the service', () => {
    const logs = captureLogs({ level: 'info' });
    logs.logger.info({ route: '/api/health' }, 'request');
    logs.logger.debug('not at info');
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request', route: '/api/health', service: 'support-agent' }),
    ]);
    expect(String(logs.lines()[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts tokens, Authorization headers, message text and every email address by default', () => {
    const logs = captureLogs();
    const err = new Error('no customer with email sarah@example.com');
    logs.logger.info(
      {
        token: 'tok-secret-1',
        headers: { authorization: 'Bearer tok-secret-2' },
        session: { token: 'tok-secret-3' },
        text: 'I want a refund for my blender',
        reply: 'Your refund of $89.99 is on its way',
        input: { email: 'marcus@example.com' },
        err,
      },
      'verification failed for james@example.com',
    );
    const line = logs.raw.join('');
    for (const secret of ['tok-secret', 'blender', '89.99', '@example.com']) expect(line).not.toContain(secret);
    const parsed = logs.lines()[0]!;
    expect(parsed).toMatchObject({ token: '[redacted]', text: '[redacted]', msg: 'verification failed for [email]' });
    expect(JSON.stringify(parsed.err)).toContain('no customer with email [email]');
  });

  it('redacts at every depth its rules name, in arrays and in an error, without changing what was logged', () => {
    const logs = captureLogs();
    const err = Object.assign(new Error('boom'), { input: { order: 'ORD-1' }, code: 'E_X' });
    const logged = {
      call: { input: 'secret input', tool: 'lookup_order', deep: { token: 'tok-deep', kept: 1 } },
      list: [{ token: 'secret text', id: 'a' }],
      req: { headers: { cookie: 'c=secret-cookie', accept: 'json' } },
      bytes: Buffer.from('abc'),
      count: 3,
      err,
    };
    logs.logger.info(logged, 'line');
    const line = logs.raw.join('');
    for (const secret of ['secret input', 'tok-deep', 'secret text', 'secret-cookie', 'ORD-1'])
      expect(line).not.toContain(secret);
    const parsed = logs.lines()[0]!;
    expect(parsed).toMatchObject({
      call: { input: '[redacted]', tool: 'lookup_order', deep: { token: '[redacted]', kept: 1 } },
      list: [{ token: '[redacted]', id: 'a' }],
      req: { headers: { cookie: '[redacted]', accept: 'json' } },
      count: 3,
      err: { type: 'Error', message: 'boom', code: 'E_X', input: '[redacted]' },
    });
    expect(String((parsed.err as { stack?: unknown }).stack)).toContain('Error: boom');
    // the caller's objects are as they were
    expect(logged.call.input).toBe('secret input');
    expect(logged.call.deep.token).toBe('tok-deep');
    expect(logged.list[0]!.token).toBe('secret text');
    expect(err.input).toEqual({ order: 'ORD-1' });
  });

  it('logs an Error given alone with its message and stack', () => {
    const logs = captureLogs();
    logs.logger.error(new Error('disk full'));
    const parsed = logs.lines()[0]!;
    expect(parsed).toMatchObject({ msg: 'disk full', err: { type: 'Error', message: 'disk full' } });
  });

  it('keeps everything with LOG_REDACT=0 (local debugging)', () => {
    const logs = captureLogs({ redact: false });
    logs.logger.info({ token: 't-1', text: 'hello' }, 'sarah@example.com');
    expect(logs.lines()[0]).toMatchObject({ token: 't-1', text: 'hello', msg: 'sarah@example.com' });
  });

  it('honours the level', () => {
    const logs = captureLogs({ level: 'warn' });
    logs.logger.info('quiet');
    logs.logger.warn('loud');
    expect(logs.lines().map((l) => l.msg)).toEqual(['loud']);
  });
});
