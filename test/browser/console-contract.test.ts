/**
 * The operator console with the operator API stubbed inside the page (the real server only serves
 * the page), for what is hard to make a real server do on cue: a 409 answered with what is
 * possible now, the order of the queue, a refresh of the view and the chart on each live event.
 * Every stubbed body is parsed with the API's own zod schemas first, so the stubs cannot drift
 * from the backend's contract.
 */
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorViewSchema, QueueSchema } from '../../src/api/schemas.js';
import { launchBrowser, openTab, startApp, type App } from './browser-harness.js';

const TOKEN = 'operator-token-for-the-stub';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const approval = {
  request_id: 'apr_1',
  digest: 'sha256:abc',
  order_id: 'ORD-7771',
  amount: 400,
  reason: 'not_received',
  deadline: minutesAgo(-30),
  ticket_id: 'TKT-2',
};
const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, modelCalls: 3, turns: 2 };

function view(approved: boolean) {
  return OperatorViewSchema.parse({
    conversation_id: 'conv_vip',
    state: approved ? 'resolved' : 'awaiting-approval',
    status: approved ? 'resolved' : 'escalated',
    awaiting: approved ? null : { kind: 'approval', order_id: 'ORD-7771', amount: 400, request_id: 'apr_1' },
    created_at: minutesAgo(4),
    updated_at: minutesAgo(3),
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
        source: 'chat',
        at: minutesAgo(3),
      },
    ],
    refunds: approved
      ? [{ refund_id: 'RF-9', order_id: 'ORD-7771', amount: 400, reason: 'not_received', created_at: minutesAgo(0) }]
      : [],
    tickets: [],
    usage,
    customer: { name: 'James Wright', email: 'james@example.com', status: 'active' },
    escalation: null,
    approval: approved ? null : approval,
    takeover: null,
    allowed: approved ? [] : ['operator.approve', 'operator.deny', 'operator.takeover'],
  });
}

const queue = QueueSchema.parse({
  items: [
    {
      conversation_id: 'conv_vip',
      kind: 'approval',
      priority: 'P2',
      reason: 'policy_exception',
      state: 'awaiting-approval',
      waiting_since: minutesAgo(2),
      wait_seconds: 120,
      ticket_id: 'TKT-2',
      approval,
      operator: null,
    },
    {
      conversation_id: 'conv_old',
      kind: 'ticket',
      priority: 'P1',
      reason: 'legal_threat',
      state: 'escalated',
      waiting_since: minutesAgo(9),
      wait_seconds: 540,
      ticket_id: 'TKT-1',
      approval: null,
      operator: null,
    },
  ],
});

const problem = (body: { status: number; detail: string; state?: string; allowed?: string[] }) => ({
  status: body.status,
  contentType: 'application/problem+json',
  body: JSON.stringify({ type: 'about:blank', title: body.status === 409 ? 'Conflict' : 'Not Found', ...body }),
});
/** The 409 of an operator action (ConflictProblemSchema in src/api/problem.ts). */
const conflict = (detail: string, state: string, allowed: string[]) => problem({ status: 409, detail, state, allowed });

describe('operator console (stubbed API)', () => {
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

  it('shows the queue oldest first, offers exactly the allowed actions, explains a 409, and decides with id and digest', async () => {
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
      if (path === '/api/operator/queue') return route.fulfill({ json: queue });
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
        const event = {
          tool: 'process_refund',
          state: 'order-checked',
          decision: 'accepted',
          reason: 'ok',
          at: minutesAgo(0),
        };
        const body =
          counts.events === 1
            ? `retry: 60000\nevent: proposal\ndata: ${JSON.stringify(event)}\nid: 13\n\n`
            : 'retry: 60000\n\n';
        return route.fulfill({ contentType: 'text/event-stream', body });
      }
      if (path === '/api/operator/conversations/conv_vip/approvals/apr_1') {
        posts.push({ url: path, body: req.postDataJSON() });
        if (posts.length === 1)
          return route.fulfill(
            conflict('Another supervisor is deciding this request.', 'awaiting-approval', [
              'operator.approve',
              'operator.takeover',
            ]),
          );
        approved = true;
        return route.fulfill({ json: view(true) });
      }
      return route.fulfill(problem({ status: 404, detail: 'not found' }));
    });

    await page.getByLabel('Operator token').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as admin (supervisor)').waitFor();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/P1.*legal_threat.*ticket TKT-1.*9 min/);
    expect(await rows.nth(1).textContent()).toMatch(
      /P2.*policy_exception.*needs approval: \$400\.00 for ORD-7771.*2 min/,
    );

    await rows.nth(1).getByRole('button').click();
    const approve = page.getByRole('button', { name: 'Approve refund of $400.00 for order ORD-7771' });
    const deny = page.getByRole('button', { name: 'Deny refund of $400.00 for order ORD-7771' });
    await approve.waitFor();
    expect(await deny.count()).toBe(1);
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

    await page.getByLabel(/Note for the customer/).fill('The parcel was delivered, the carrier confirms.');
    await deny.click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(
        'The conversation has moved on: that is not possible now. Another supervisor is deciding this request. ' +
          'Possible now: approve, take over.',
      );
    await approve.click();
    await page.getByText('Refund approved.').waitFor();
    expect(posts.map((p) => p.body)).toEqual([
      { decision: 'deny', digest: 'sha256:abc', note: 'The parcel was delivered, the carrier confirms.' },
      { decision: 'approve', digest: 'sha256:abc' },
    ]);
    expect(await approve.count()).toBe(0);
    expect(await page.getByText('Nothing can be done by a person in this state.').count()).toBe(1);
    expect(await page.getByText('Refund RF-9: $400.00 for ORD-7771').count()).toBe(1);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
