import { describe, expect, it } from 'vitest';
import { createMailEcho } from '../../src/backends/mail-echo.js';
import type { Mailbox, SentMail } from '../../src/backends/types.js';

const mail = (n: number): SentMail => ({
  messageId: `MAIL-${n}`,
  idempotencyKey: `k${n}`,
  to: 'sarah@example.com',
  subject: 'Your verification code',
  text: `Hello Sarah,\n\nYour verification code is 00000${n}.\n`,
  sentAt: `2026-11-26T12:00:0${n}.000Z`,
});

describe('createMailEcho (npm run chat / npm run mcp)', () => {
  it('writes only the mail that arrived since it was primed, oldest first, once', async () => {
    const box: SentMail[] = [mail(1)];
    const mailbox: Mailbox = { list: async () => [...box].reverse() }; // newest first, as the mailbox lists
    const written: string[] = [];
    const echo = createMailEcho(mailbox, (t) => written.push(t));
    await echo.prime();
    box.push(mail(2), mail(3));
    expect(await echo.flush()).toBe(2);
    expect(await echo.flush()).toBe(0);
    expect(written).toHaveLength(2);
    expect(written[0]).toContain('code is 000002');
    expect(written[1]).toContain('code is 000003');
    expect(written[0]).toMatch(/^ {2}✉ mail to sarah@example.com: "Your verification code"\n/);
  });
});
