/**
 * The operator console against the issue-13 operator contract, with the operator API stubbed
 * inside the page (the real server only serves the page): the queue oldest first, a view with
 * exactly the allowed actions, approve sending the request id and digest, a 409 explained with
 * what is possible now, the statechart fetched with the bearer token, refreshes on live events.
 */
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openTab, startApp, type App } from './browser-harness.js';

const TOKEN = 'operator-token-for-the-stub';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const approval = {
  request_id: 'apr_1',
  digest: 'sha256:abc',
  order_id: 'ORD-7771',
  amount: 400,
  deadline: minutesAgo(-30),
};

function view(approved: boolean) {
  return {
    conversation_id: 'conv_vip',
    state: approved ? 'resolved' : 'awaiting-approval',
    status: approved ? 'resolved' : 'escalated',
    messages: [
      { role: 'customer', text: 'ORD-7771 never arrived, james@example.com', at: minutesAgo(3) },
      { role: 'agent', text: 'This refund needs a supervisor; I have asked one.', at: minutesAgo(3) },
    ],
    proposals: [
      {
        tool: 'process_refund',
        input: { order_id: 'ORD-7771' },
        state: 'refund-eligible',
        decision: 'rejected',
        reason: 'above the autonomous limit: approval requested',
        invariant: 'I3',
        at: minutesAgo(3),
      },
    ],
    refunds: approved
      ? [{ refund_id: 'RF-9', order_id: 'ORD-7771', amount: 400, reason: 'not_received', created_at: minutesAgo(0) }]
      : [],
    tickets: [],
    approval: approved ? null : approval,
    takeover: null,
    allowed: approved ? [] : ['operator.approve', 'operator.deny', 'operator.takeover'],
  };
}

const problem = (status: number, extra: object = {}) => ({
  status,
  contentType: 'application/problem+json',
  body: JSON.stringify({ type: 'about:blank', title: 'Conflict', status, detail: 'not now', ...extra }),
});

describe('operator console, contract of issue 13 (stubbed API)', () => {
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

  it('shows the queue oldest first, offers exactly the allowed actions, and approves with id and digest', async () => {
    const tab = await openTab(browser, `${app.url}/console`);
    const { page } = tab;
    let approved = false;
    const counts = { view: 0, chart: 0, events: 0 };
    const posts: Array<{ url: string; body: unknown }> = [];
    await page.route('**/api/operator/**', async (route: Route) => {
      const req = route.request();
      expect(req.headers().authorization).toBe(`Bearer ${TOKEN}`);
      const path = new URL(req.url()).pathname;
      if (path === '/api/operator/me') return route.fulfill({ json: { name: 'admin', role: 'supervisor' } });
      if (path === '/api/operator/queue')
        return route.fulfill({
          json: {
            items: [
              {
                conversation_id: 'conv_vip',
                kind: 'approval',
                priority: 'P2',
                reason: 'refund above the limit',
                state: 'awaiting-approval',
                waiting_since: minutesAgo(2),
                wait_seconds: 120,
                ticket_id: null,
                approval,
              },
              {
                conversation_id: 'conv_old',
                kind: 'ticket',
                priority: 'P1',
                reason: 'legal threat',
                state: 'escalated',
                waiting_since: minutesAgo(9),
                wait_seconds: 540,
                ticket_id: 'TCK-1',
                approval: null,
              },
            ],
          },
        });
      if (path === '/api/operator/conversations/conv_vip') {
        counts.view++;
        return route.fulfill({ json: view(approved) });
      }
      if (path.endsWith('/chart.svg')) {
        counts.chart++;
        return route.fulfill({
          contentType: 'image/svg+xml',
          body: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        });
      }
      if (path.endsWith('/events')) {
        counts.events++;
        const body = counts.events === 1 ? 'retry: 60000\nid: 1\nevent: proposal\ndata: {}\n\n' : 'retry: 60000\n\n';
        return route.fulfill({ contentType: 'text/event-stream', body });
      }
      if (path === '/api/operator/conversations/conv_vip/approvals/apr_1') {
        posts.push({ url: path, body: req.postDataJSON() });
        if (posts.length === 1) return route.fulfill(problem(409, { allowed: ['operator.deny', 'operator.takeover'] }));
        approved = true;
        return route.fulfill({ json: view(true) });
      }
      return route.fulfill(problem(404));
    });

    await page.getByLabel('Operator token').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as admin (supervisor)').waitFor();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/P1.*legal threat.*9 min/);
    expect(await rows.nth(1).textContent()).toMatch(/P2.*refund above the limit.*needs approval.*2 min/);

    await rows.nth(1).getByRole('button').click();
    const approve = page.getByRole('button', { name: 'Approve refund of $400.00 for order ORD-7771' });
    await approve.waitFor();
    expect(await page.getByRole('button', { name: 'Deny refund of $400.00 for order ORD-7771' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Take over' }).count()).toBe(1);
    for (const absent of ['Hand back to the assistant', 'Mark resolved', 'Send reply'])
      expect(await page.getByRole('button', { name: absent }).count(), absent).toBe(0);
    const proposals = page.getByRole('table', { name: /Every tool call/ });
    expect(await proposals.textContent()).toMatch(/process_refund.*rejected.*above the autonomous limit.*I3/);
    const chart = page.getByRole('img', { name: 'Statechart of this conversation, now in state awaiting-approval' });
    await chart.waitFor();
    expect(await chart.getAttribute('src')).toMatch(/^blob:/);
    // The live event made the console fetch the view and the chart again.
    await expect.poll(() => counts.view).toBeGreaterThanOrEqual(2);
    await expect.poll(() => counts.chart).toBeGreaterThanOrEqual(2);

    await page.getByLabel('Note (optional)').fill('lost parcel confirmed');
    await approve.click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/moved on.*Possible now: deny, take over/);
    await approve.click();
    await page.getByText('Refund approved.').waitFor();
    expect(posts.map((p) => p.body)).toEqual([
      { decision: 'approve', digest: 'sha256:abc', note: 'lost parcel confirmed' },
      { decision: 'approve', digest: 'sha256:abc', note: 'lost parcel confirmed' },
    ]);
    expect(await approve.count()).toBe(0);
    expect(await page.getByText('Nothing can be done by a person in this state.').count()).toBe(1);
    expect(await page.getByText('Refund RF-9: $400.00 for ORD-7771').count()).toBe(1);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
