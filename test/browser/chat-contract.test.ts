/**
 * The chat page with the API stubbed inside the page (the real server only serves the page), for
 * what a real server does not do on cue: a live stream that closes and must resume with
 * Last-Event-ID, messages arriving live before the view has them. The stubbed bodies are parsed
 * with the API's own zod schemas first, so they cannot drift from the backend's contract.
 */
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationViewSchema, TurnResultSchema } from '../../src/api/schemas.js';
import { launchBrowser, openTab, startApp, type App } from './browser-harness.js';

const at = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, '0')}.000Z`;
const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, modelCalls: 1 };
const OFFER = 'I can refund $89.99 for order ORD-8842 to your original payment method. Shall I go ahead?';

const JOINED = { role: 'system', text: 'Ana from our support team has joined the conversation.', at: at(3) } as const;
const ANA = { role: 'operator', author: 'Ana', text: 'Hi, I am Ana. The offer above is right.', at: at(4) } as const;

function view(refunded: boolean, anaSeen: boolean) {
  return ConversationViewSchema.parse({
    conversation_id: 'conv_mock',
    state: refunded ? 'resolved' : 'awaiting-confirmation',
    status: refunded ? 'resolved' : 'open',
    created_at: at(0),
    updated_at: at(1),
    messages: [
      { role: 'customer', text: 'My blender arrived broken, order ORD-8842, sarah@example.com', at: at(1) },
      { role: 'agent', text: OFFER, at: at(2) },
      ...(anaSeen ? [JOINED, ANA] : []),
      ...(refunded
        ? [
            { role: 'customer', text: 'Yes', at: at(10) },
            { role: 'agent', text: 'Done: $89.99 is on its way back for ORD-8842.', at: at(11) },
          ]
        : []),
    ],
    awaiting: refunded
      ? null
      : { kind: 'confirmation', offer_id: 'offer_1', order_id: 'ORD-8842', amount: 89.99, text: OFFER },
    proposals: [],
    refunds: refunded
      ? [{ refund_id: 'RF-1', order_id: 'ORD-8842', amount: 89.99, reason: 'damaged', created_at: at(11) }]
      : [],
    tickets: [],
    usage: { ...usage, turns: 1 },
  });
}

const sse = (...events: string[]) => ({ status: 200, contentType: 'text/event-stream', body: events.join('') });

describe('chat page (stubbed API)', () => {
  let browser: Browser;
  let app: App;
  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startApp();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows the offer with Yes and No, labels operator messages, and resumes the live stream', async () => {
    const tab = await openTab(browser, app.url);
    const { page } = tab;
    let refunded = false;
    const streams: Array<string | null> = [];
    const sent: unknown[] = [];
    await page.route('**/api/conversations/conv_mock', (route: Route) =>
      route.fulfill({ status: 200, json: view(refunded, streams.length > 0) }),
    );
    await page.route('**/api/conversations/conv_mock/events', async (route: Route) => {
      const headers = route.request().headers();
      expect(headers.authorization).toBe('Bearer tok_mock');
      streams.push(headers['last-event-id'] ?? null);
      if (streams.length > 1) return route.fulfill(sse('retry: 60000\n\n'));
      // As src/api/live-stream.ts writes them: event, data, then id.
      await route.fulfill(
        sse(
          'retry: 100\n\n',
          `event: message\ndata: ${JSON.stringify({ ...JOINED, topic: 'takeover' })}\nid: 7\n\n`,
          `event: message\ndata: ${JSON.stringify(ANA)}\nid: 8\n\n`,
        ),
      );
    });
    await page.route('**/api/conversations/conv_mock/messages', async (route: Route) => {
      sent.push(route.request().postDataJSON());
      refunded = true;
      await route.fulfill({
        status: 200,
        json: TurnResultSchema.parse({
          conversation_id: 'conv_mock',
          reply: 'Done: $89.99 is on its way back for ORD-8842.',
          state: 'resolved',
          status: 'resolved',
          events: [],
          usage,
          awaiting: null,
        }),
      });
    });
    await page.evaluate(() =>
      sessionStorage.setItem('support.chat', JSON.stringify({ id: 'conv_mock', token: 'tok_mock', lastEventId: '5' })),
    );
    await page.reload();

    const offer = page.getByRole('region', { name: 'Refund offer: $89.99 for order ORD-8842' });
    await offer.waitFor();
    expect(await offer.textContent()).toContain(OFFER);
    expect(await offer.getByRole('button', { name: 'No', exact: true }).isVisible()).toBe(true);

    const transcript = page.getByRole('list', { name: 'Conversation' });
    await expect.poll(() => transcript.textContent()).toContain('Ana (support team)');
    expect(await transcript.textContent()).toContain('Ana from our support team has joined the conversation.');
    await expect.poll(() => streams.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(streams.slice(0, 2)).toEqual(['5', '8']);

    await offer.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByRole('region', { name: 'Your refunds' }).waitFor();
    expect(sent).toEqual([{ message: 'Yes' }]);
    expect(await offer.count()).toBe(0);
    expect(await transcript.getByText('Yes', { exact: true }).count()).toBe(1);
    expect(await transcript.getByText('Ana (support team)').count()).toBe(1);
    expect(await transcript.getByText(JOINED.text).count()).toBe(1);
    expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('support.chat') ?? '{}').lastEventId)).toBe('8');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
