/**
 * The operator console in Chromium against a real server process (offline model, fresh data):
 * sign-in and the queue, then the two flows across two tabs — a supervisor approving ORD-7771 and
 * an operator taking a conversation over — with the customer's page updated live, never reloaded.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  adminHeaders,
  apiConversation,
  approvalWaiting,
  launchBrowser,
  markDocument,
  openTab,
  operatorView,
  sameDocument,
  SEED_VIP,
  startApp,
  type App,
  type Tab,
} from './browser-harness.js';
import type { ConversationView } from '../../src/web/shared/contract.js';

async function signIn(page: Page, token = ADMIN_TOKEN): Promise<void> {
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The console's button for each operator event (the approval ones name the order and amount). */
const BUTTONS = (what: string): Record<string, string> => ({
  'operator.approve': `Approve refund of ${what}`,
  'operator.deny': `Deny refund of ${what}`,
  'operator.takeover': 'Take over',
  'operator.reply': 'Send reply',
  'operator.handback': 'Hand back to the assistant',
  'operator.resolve': 'Mark resolved',
});

/** The console shows a button for exactly the events the API says the machine accepts now. */
async function expectButtonsForAllowed(
  page: Page,
  app: App,
  id: string,
  what = '',
  token = ADMIN_TOKEN,
): Promise<string[]> {
  const { allowed } = await operatorView(app.url, id, token);
  for (const [event, name] of Object.entries(BUTTONS(what))) {
    const button = page.getByRole('button', { name, exact: true });
    await expect
      .poll(() => button.count(), { message: `${name} (${event} allowed: ${allowed.includes(event)})` })
      .toBe(allowed.includes(event) ? 1 : 0);
  }
  return allowed;
}

/** Counts the statechart fetches of a tab. */
function countCharts(page: Page): () => number {
  let n = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/chart.svg')) n++;
  });
  return () => n;
}

describe('operator console', () => {
  let browser: Browser;
  let app: App;
  const tabs: Tab[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    app = await startApp();
  });
  afterEach(async () => {
    for (const t of tabs.splice(0)) await t.context.close();
    await app?.stop();
  });

  it('signs in with the admin token and shows the waiting conversations in the queue, oldest first', async () => {
    const first = await apiConversation(app.url);
    await first.send('This is unacceptable. I want to talk to a lawyer about order ORD-8842.');
    const second = await approvalWaiting(app.url);

    const tab = await openTab(browser, `${app.url}/console`);
    tabs.push(tab);
    const { page } = tab;
    await signIn(page, 'not-the-token-0000000000');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');

    await signIn(page);
    await page.getByText('Signed in as admin (supervisor)').waitFor();
    const queue = page.getByRole('region', { name: /Queue/ });
    const rows = queue.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('P1');
    expect(await rows.nth(0).getByRole('button').getAttribute('aria-label')).toContain(first.id);
    expect(await rows.nth(1).textContent()).toMatch(/P2.*needs approval: \$400\.00 for ORD-7771/);
    expect(await rows.nth(1).getByRole('button').getAttribute('aria-label')).toContain(second.id);
    expect(await rows.nth(0).textContent()).toMatch(/\d+ (s|min)/);

    // The token is kept for this tab: a reload stays signed in; signing out forgets it.
    await page.reload();
    await page.getByText('Signed in as').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('support.operator.token'))).toBeNull();
    expect(tab.problems).toEqual([]);
  });

  it('updates the queue without a reload when a conversation is escalated', async () => {
    const tab = await openTab(browser, `${app.url}/console`);
    tabs.push(tab);
    const { page } = tab;
    await signIn(page);
    await page.getByText('Nobody is waiting.').waitFor();
    const later = await apiConversation(app.url);
    await later.send('I want to speak to a human, please.');
    await page.getByRole('button', { name: new RegExp(`Open conversation ${later.id}`) }).waitFor({ timeout: 15_000 });
  });

  it('fits a 375 px wide screen without horizontal scrolling, with a conversation open', async () => {
    await approvalWaiting(app.url);
    const tab = await openTab(browser, `${app.url}/console`, { width: 375, height: 740 });
    tabs.push(tab);
    await signIn(tab.page);
    await tab.page.locator('tbody tr').first().getByRole('button').click();
    await tab.page.getByRole('img', { name: /Statechart/ }).waitFor();
    const widths = await tab.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  });

  it('lets a supervisor approve the ORD-7771 refund the customer said yes to; the customer sees it without a reload', async () => {
    const customer = await openTab(browser, app.url);
    tabs.push(customer);
    await markDocument(customer.page);
    await customer.page.getByLabel('Your message').fill(SEED_VIP);
    await customer.page.keyboard.press('Enter');
    const offer = customer.page.getByRole('region', { name: 'Refund offer: $400.00 for order ORD-7771' });
    await offer.getByRole('button', { name: 'Yes', exact: true }).click({ timeout: 30_000 });
    await expect
      .poll(() => customer.page.textContent('body'), { timeout: 30_000 })
      .toContain('A supervisor is reviewing your refund of $400.00 for order ORD-7771');
    expect(await offer.count()).toBe(0);

    const operator = await openTab(browser, `${app.url}/console`);
    tabs.push(operator);
    const { page } = operator;
    const charts = countCharts(page);
    await signIn(page);
    await page.getByText('Signed in as admin (supervisor)').waitFor();
    await page
      .getByRole('button', { name: /^Open conversation .*P2/ })
      .first()
      .click();
    const card = page.locator('.approval');
    await expect.poll(() => card.textContent()).toMatch(/Refund approval: \$400\.00 for order ORD-7771.*not_received/);
    const id =
      (await page.getByRole('heading', { name: /^Conversation / }).textContent())?.replace('Conversation ', '') ?? '';
    const allowed = await expectButtonsForAllowed(page, app, id, '$400.00 for order ORD-7771');
    expect(allowed).toEqual(expect.arrayContaining(['operator.approve', 'operator.deny']));
    expect(await page.getByText('James Wright <james@example.com>, account active').count()).toBe(1);
    const chart = page.getByRole('img', { name: 'Statechart of this conversation, now in state awaiting-approval' });
    await chart.waitFor();
    expect(await chart.getAttribute('src')).toMatch(/^blob:/);
    expect(await page.getByRole('table', { name: /Every tool call/ }).textContent()).toContain('process_refund');

    const chartsBefore = charts();
    await page.getByRole('button', { name: 'Approve refund of $400.00 for order ORD-7771' }).click();
    await page.getByText('Refund approved.').waitFor();
    await expectButtonsForAllowed(page, app, id, '$400.00 for order ORD-7771');
    await page.getByRole('img', { name: 'Statechart of this conversation, now in state resolved' }).waitFor();
    expect(charts()).toBeGreaterThan(chartsBefore);
    await expect.poll(() => page.getByText(/Refund RF-[A-Z0-9]+: \$400\.00 for ORD-7771/).count()).toBe(1);

    const refunds = customer.page.getByRole('region', { name: 'Your refunds' });
    await refunds.waitFor({ timeout: 15_000 });
    expect(await refunds.textContent()).toMatch(/ORD-7771: \$400\.00 refunded \(reference RF-/);
    const transcript = customer.page.getByRole('list', { name: 'Conversation' });
    await expect.poll(() => transcript.textContent()).toContain('a specialist approved your refund');
    expect(await customer.page.getByText('A supervisor is reviewing').count()).toBe(0);
    expect(await sameDocument(customer.page)).toBe(true);

    const all = (await (await fetch(`${app.url}/api/refunds`, { headers: adminHeaders })).json()) as {
      refunds: Array<{ order_id: string; amount: number }>;
    };
    expect(all.refunds.filter((r) => r.order_id === 'ORD-7771')).toEqual([expect.objectContaining({ amount: 400 })]);
    expect(customer.problems).toEqual([]);
    expect(operator.problems).toEqual([]);
  });

  it('shows an agent the approval request without approve or deny; the agent may take over and reply by name', async () => {
    await app.stop();
    app = await startApp({}, [{ name: 'Ana Lima', role: 'agent' }]);
    const token = app.tokens['Ana Lima'] ?? '';
    const vip = await approvalWaiting(app.url);
    const tab = await openTab(browser, `${app.url}/console`);
    tabs.push(tab);
    const { page } = tab;
    await signIn(page, token);
    await page.getByText('Signed in as Ana Lima (agent)').waitFor();
    await page.getByRole('button', { name: new RegExp(`^Open conversation ${vip.id}`) }).click();
    const card = page.locator('.approval');
    await expect.poll(() => card.textContent()).toContain('Refund approval: $400.00 for order ORD-7771');
    expect(await card.textContent()).toContain('A supervisor decides this request.');
    const allowed = await expectButtonsForAllowed(page, app, vip.id, '$400.00 for order ORD-7771', token);
    expect(allowed).not.toContain('operator.approve');

    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByLabel('Reply to the customer').fill('Hi, I am Ana; a supervisor will decide your refund shortly.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Reply sent.').waitFor();
    const seen = (await (
      await fetch(`${app.url}/api/conversations/${vip.id}`, { headers: { authorization: `Bearer ${vip.token}` } })
    ).json()) as ConversationView;
    expect(seen.messages.filter((m) => m.role === 'operator')).toEqual([
      expect.objectContaining({
        author: 'Ana Lima',
        text: 'Hi, I am Ana; a supervisor will decide your refund shortly.',
      }),
    ]);
    expect(
      seen.messages.some((m) => m.role === 'system' && m.text.startsWith('Ana from our support team has joined')),
    ).toBe(true);
    expect(tab.problems).toEqual([]);
  });

  it('takes over, replies, hands back and resolves; the customer sees each step live, the person marked as a person', async () => {
    const customer = await openTab(browser, app.url);
    tabs.push(customer);
    await markDocument(customer.page);
    await customer.page.getByLabel('Your message').fill('I want to talk to a human about my order ORD-8842.');
    await customer.page.keyboard.press('Enter');
    await expect.poll(() => customer.page.textContent('body')).toContain('A member of our support team will continue');
    const transcript = customer.page.getByRole('list', { name: 'Conversation' });

    const operator = await openTab(browser, `${app.url}/console`);
    tabs.push(operator);
    const { page } = operator;
    const charts = countCharts(page);
    await signIn(page);
    await page
      .getByRole('button', { name: /^Open conversation .*P1/ })
      .first()
      .click();
    await page.getByRole('img', { name: /now in state escalated/ }).waitFor();
    const id =
      (await page.getByRole('heading', { name: /^Conversation / }).textContent())?.replace('Conversation ', '') ?? '';
    expect(await page.locator('.facts').textContent()).toMatch(/Escalation.*P1/);
    await expectButtonsForAllowed(page, app, id);

    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText('You now hold this conversation').waitFor();
    await expectButtonsForAllowed(page, app, id);
    const joined = transcript.locator('li.msg-system', {
      hasText: 'admin from our support team has joined the conversation.',
    });
    await joined.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => customer.page.locator('.status').textContent())
      .toContain('admin from our support team is with you now');

    await page.getByLabel('Reply to the customer').fill('Hello, this is admin from the support team.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Reply sent.').waitFor();
    const reply = transcript.locator('li.msg-operator', { hasText: 'Hello, this is admin from the support team.' });
    await reply.waitFor({ timeout: 15_000 });
    expect(await reply.locator('.who').textContent()).toBe('admin (support team)');

    // The customer answers the person: the assistant stays silent, and the console follows live.
    const chartsBefore = charts();
    await customer.page.getByLabel('Your message').fill('Thank you, that helps.');
    await customer.page.keyboard.press('Enter');
    const consoleTranscript = page.getByRole('list', { name: 'Transcript' });
    await expect.poll(() => consoleTranscript.textContent(), { timeout: 15_000 }).toContain('Thank you, that helps.');
    await expect.poll(() => charts()).toBeGreaterThan(chartsBefore);
    await expect.poll(() => transcript.locator('li.msg-pending').count()).toBe(0);
    expect(await customer.page.getByText('The assistant is answering').count()).toBe(0);
    expect(await transcript.locator('li.msg-agent').count()).toBe(1);

    await page.getByRole('button', { name: 'Hand back to the assistant' }).click();
    await page.getByText('Handed back to the assistant.').waitFor();
    await expectButtonsForAllowed(page, app, id);
    await transcript
      .locator('li.msg-system', { hasText: 'admin has handed you back to the assistant.' })
      .waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Mark resolved' }).click();
    await page.getByText('Conversation resolved.').waitFor();
    await transcript.locator('li.msg-system', { hasText: 'closed by our support team' }).waitFor({ timeout: 15_000 });

    const steps = await transcript.locator('li').evaluateAll((items) => items.map((li) => li.className));
    expect(steps).toEqual([
      'msg msg-customer',
      'msg msg-agent',
      'msg msg-system', // joined
      'msg msg-operator',
      'msg msg-customer',
      'msg msg-system', // handed back
      'msg msg-system', // closed
    ]);
    expect(await sameDocument(customer.page)).toBe(true);
    expect(customer.problems).toEqual([]);
    expect(operator.problems).toEqual([]);
  });
});
