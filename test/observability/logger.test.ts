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
