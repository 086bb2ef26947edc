/**
 * The operator console in Chromium against a real server. The tests of the approval and takeover
 * flows need the issue-13 operator backend (the lead's part): until the server has
 * /api/operator/me and the live event streams they skip themselves, saying so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import {
  ADMIN_TOKEN,
  adminHeaders,
  apiConversation,
  hasEndpoint,
  launchBrowser,
  openTab,
  SEED_VIP,
  startApp,
  type App,
  type Tab,
} from './browser-harness.js';

async function signIn(page: Page, token = ADMIN_TOKEN): Promise<void> {
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Skips the test (with the reason) unless the server has the operator backend of issue 13. */
async function needsOperatorBackend(ctx: TestContext, url: string): Promise<void> {
  const me = await hasEndpoint(url, '/api/operator/me', { headers: adminHeaders });
  const events = await hasEndpoint(url, '/api/conversations/conv_x/events');
  if (!me || !events)
    ctx.skip('waiting for the issue-13 backend: /api/operator/* views and actions, conversation event streams');
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

  it('signs in with the admin token and shows an escalated conversation in the queue, oldest first', async () => {
    const first = await apiConversation(app.url);
    await first.send('This is unacceptable. I want to talk to a lawyer about order ORD-8842.');
    const second = await apiConversation(app.url);
    await second.send(SEED_VIP);

    const tab = await openTab(browser, `${app.url}/console`);
    tabs.push(tab);
    const { page } = tab;
    await signIn(page, 'not-the-token-0000000000');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');

    await signIn(page);
    await page.getByText('Signed in as').waitFor();
    const queue = page.getByRole('region', { name: /Queue/ });
    const rows = queue.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('P1');
    expect(await rows.nth(0).getByRole('button').getAttribute('aria-label')).toContain(first.id);
    expect(await rows.nth(1).textContent()).toContain('P2');
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

  it('fits a 375 px wide screen without horizontal scrolling', async () => {
    await (await apiConversation(app.url)).send('I want to speak to a manager now.');
    const tab = await openTab(browser, `${app.url}/console`, { width: 375, height: 740 });
    tabs.push(tab);
    await signIn(tab.page);
    await tab.page.locator('tbody tr').first().waitFor();
    const widths = await tab.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  });

  it('lets a supervisor approve the ORD-7771 refund; the customer sees it without a reload', async (ctx) => {
    await needsOperatorBackend(ctx, app.url);
    const customer = await openTab(browser, app.url);
    tabs.push(customer);
    await customer.page.getByLabel('Your message').fill(SEED_VIP);
    await customer.page.keyboard.press('Enter');
    await expect
      .poll(() => customer.page.textContent('body'))
      .toContain('A supervisor is reviewing your refund of $400.00');

    const operator = await openTab(browser, `${app.url}/console`);
    tabs.push(operator);
    await signIn(operator.page);
    await operator.page.getByText('Signed in as admin (supervisor)').waitFor();
    await operator.page
      .getByRole('button', { name: /^Open conversation .*P2/ })
      .first()
      .click();
    const approve = operator.page.getByRole('button', { name: 'Approve refund of $400.00 for order ORD-7771' });
    await approve.waitFor();
    expect(await operator.page.getByRole('button', { name: 'Deny refund of $400.00 for order ORD-7771' }).count()).toBe(
      1,
    );
    expect(await operator.page.getByRole('img', { name: /Statechart/ }).count()).toBe(1);
    expect(await operator.page.getByRole('table', { name: /Every tool call/ }).textContent()).toContain('lookup_order');
    await approve.click();
    await operator.page.getByText('Refund approved.').waitFor();
    await expect.poll(() => approve.count()).toBe(0);

    const refunds = customer.page.getByRole('region', { name: 'Your refunds' });
    await refunds.waitFor({ timeout: 15_000 });
    expect(await refunds.textContent()).toMatch(/ORD-7771: \$400\.00/);
    const all = (await (await fetch(`${app.url}/api/refunds`, { headers: adminHeaders })).json()) as {
      refunds: Array<{ order_id: string }>;
    };
    expect(all.refunds.filter((r) => r.order_id === 'ORD-7771')).toHaveLength(1);
  });

  it('takes over, replies, hands back and resolves; the customer sees the person by name, live', async (ctx) => {
    await needsOperatorBackend(ctx, app.url);
    const customer = await openTab(browser, app.url);
    tabs.push(customer);
    await customer.page.getByLabel('Your message').fill('I want to talk to a human about my order ORD-8842.');
    await customer.page.keyboard.press('Enter');
    await expect.poll(() => customer.page.textContent('body')).toContain('A member of our support team will continue');

    const operator = await openTab(browser, `${app.url}/console`);
    tabs.push(operator);
    const page = operator.page;
    await signIn(page);
    await page
      .getByRole('button', { name: /^Open conversation .*P1/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByRole('button', { name: 'Hand back to the assistant' }).waitFor();
    expect(await page.getByRole('button', { name: 'Take over' }).count()).toBe(0);

    await page.getByLabel('Reply to the customer').fill('Hello, this is admin from the support team.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Reply sent.').waitFor();
    const transcript = customer.page.getByRole('list', { name: 'Conversation' });
    await expect.poll(() => transcript.textContent(), { timeout: 15_000 }).toContain('admin (support team)');
    expect(await transcript.textContent()).toContain('Hello, this is admin from the support team.');

    await page.getByRole('button', { name: 'Hand back to the assistant' }).click();
    await page.getByText('Handed back to the assistant.').waitFor();
    await page.getByRole('button', { name: 'Mark resolved' }).click();
    await page.getByText('Conversation resolved.').waitFor();
    await expect.poll(() => page.getByText(/status resolved/).count()).toBe(1);
  });
});
