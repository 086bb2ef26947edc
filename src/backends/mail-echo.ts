/**
 * Shows a person the mail the development mailbox "sent" (one-time codes), for `npm run chat` and
 * `npm run mcp`: `prime()` marks what is there already, `flush()` writes what arrived since.
 */
import type { Mailbox, SentMail } from './types.js';

export function formatMail(mail: SentMail): string {
  const body = mail.text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => `    ${line}`)
    .join('\n');
  return `  ✉ mail to ${mail.to}: "${mail.subject}"\n${body}\n`;
}

/** Echoes new mail of a development mailbox through `write` (stdout for the chat, stderr for stdio MCP). */
export function createMailEcho(mailbox: Mailbox, write: (text: string) => void) {
  const seen = new Set<string>();
  return {
    async prime(): Promise<void> {
      for (const mail of await mailbox.list({ limit: 500 })) seen.add(mail.messageId);
    },
    /** Writes the mail that arrived since the last call, oldest first; returns how many. */
    async flush(): Promise<number> {
      const fresh = (await mailbox.list({ limit: 50 })).filter((m) => !seen.has(m.messageId)).reverse();
      for (const mail of fresh) {
        seen.add(mail.messageId);
        write(formatMail(mail));
      }
      return fresh.length;
    },
  };
}
