/**
 * The chat page against the issue-13 contract with the API stubbed inside the page (the real
 * server only serves the page): a refund offer answered with Yes, operator messages and notices
 * arriving on the live stream, and resuming that stream with Last-Event-ID.
 */
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openTab, startApp, type App } from './browser-harness.js';

const at = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, '0')}.000Z`;
const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, modelCalls: 1 };
const OFFER = 'I can refund $89.99 for order ORD-8842 to your original payment method. Shall I go ahead?';

const ANA = { role: 'operator', author: 'Ana', text: 'Hi, I am Ana. The offer above is right.', at: at(4) };

function view(refunded: boolean, anaSeen: boolean) {
  return {
    conversation_id: 'conv_mock',
    state: refunded ? 'resolved' : 'awaiting-confirmation',
    status: refunded ? 'resolved' : 'open',
    created_at: at(0),
    updated_at: at(1),
    messages: [
      { role: 'customer', text: 'My blender arrived broken, order ORD-8842, sarah@example.com', at: at(1) },
      { role: 'agent', text: OFFER, at: at(2) },
      ...(anaSeen ? [ANA] : []),
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
  };
}

const sse = (...events: string[]) => ({ status: 200, contentType: 'text/event-stream', body: events.join('') });

describe('chat page, contract of issue 13 (stubbed API)', () => {
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
      const joined = { role: 'system', text: 'A member of our team has joined the conversation.', at: at(3) };
      await route.fulfill(
        sse(
          'retry: 100\n\n',
          `id: 7\nevent: message\ndata: ${JSON.stringify(joined)}\n\n`,
          `id: 8\nevent: message\ndata: ${JSON.stringify(ANA)}\n\n`,
        ),
      );
    });
    await page.route('**/api/conversations/conv_mock/messages', async (route: Route) => {
      sent.push(route.request().postDataJSON());
      refunded = true;
      await route.fulfill({
        status: 200,
        json: {
          conversation_id: 'conv_mock',
          reply: 'Done: $89.99 is on its way back for ORD-8842.',
          state: 'resolved',
          status: 'resolved',
          events: [],
          usage,
          awaiting: null,
        },
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
    expect(await transcript.textContent()).toContain('A member of our team has joined the conversation.');
    await expect.poll(() => streams.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(streams.slice(0, 2)).toEqual(['5', '8']);

    await offer.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByRole('region', { name: 'Your refunds' }).waitFor();
    expect(sent).toEqual([{ message: 'Yes' }]);
    expect(await offer.count()).toBe(0);
    expect(await transcript.getByText('Yes', { exact: true }).count()).toBe(1);
    expect(await transcript.getByText('Ana (support team)').count()).toBe(1);
    expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('support.chat') ?? '{}').lastEventId)).toBe('8');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
