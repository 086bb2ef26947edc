import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminHeaders, launchBrowser, openTab, SEED_1, startApp, type App, type Tab } from './browser-harness.js';

const ARTIFACTS = join(process.cwd(), 'dist', 'browser-tests');

/**
 * Confirmation is on by default: the SEED-1 message gets an offer of $89.99 for ORD-8842 with Yes
 * and No, and nothing is refunded before Yes is clicked.
 */
async function acceptRefund(page: Page, app: App): Promise<void> {
  const offer = page.getByRole('region', { name: 'Refund offer: $89.99 for order ORD-8842' });
  const yes = offer.getByRole('button', { name: 'Yes', exact: true });
  await yes.waitFor({ timeout: 30_000 });
  expect(await offer.getByRole('button', { name: 'No', exact: true }).isVisible()).toBe(true);
  expect(await refundsOf(app, 'ORD-8842')).toEqual([]);
  await yes.click();
  await page.getByRole('region', { name: 'Your refunds' }).waitFor({ timeout: 30_000 });
  expect(await offer.count()).toBe(0);
}

async function refundsOf(app: App, orderId: string): Promise<Array<{ order_id: string; amount: number }>> {
  const all = (await (await fetch(`${app.url}/api/refunds`, { headers: adminHeaders })).json()) as {
    refunds: Array<{ order_id: string; amount: number }>;
  };
  return all.refunds.filter((r) => r.order_id === orderId);
}

describe('customer chat page', () => {
  let browser: Browser;
  let app: App;
  let tab: Tab | null = null;
  beforeAll(async () => {
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    app = await startApp();
  });
  afterEach(async () => {
    await tab?.context.close();
    tab = null;
    await app?.stop();
  });

  it('gets the SEED-1 refund end to end, survives a reload, and starts over on request', async () => {
    tab = await openTab(browser, app.url);
    const { page } = tab;
    await page.getByLabel('Your message').fill(SEED_1);
    await page.getByRole('button', { name: 'Send' }).click();
    await acceptRefund(page, app);

    const transcript = page.getByRole('list', { name: 'Conversation' });
    await expect.poll(() => transcript.textContent()).toContain('$89.99');
    const refunds = page.getByRole('region', { name: 'Your refunds' });
    expect(await refunds.textContent()).toMatch(/ORD-8842: \$89\.99 refunded/);
    expect(await transcript.getAttribute('aria-live')).toBe('polite');
    expect(await transcript.getByText('You', { exact: true }).count()).toBeGreaterThanOrEqual(1);

    // Exactly one refund, of the system's amount, whatever the page did.
    expect(await refundsOf(app, 'ORD-8842')).toEqual([expect.objectContaining({ amount: 89.99 })]);

    const before = await transcript.locator('li').allTextContents();
    const requests: string[] = [];
    page.on('response', (r) => requests.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
    await page.reload();
    // 0 items after 10 s was seen twice in CI, and the 404 test below once timed out without its
    // alert: the page's store changed before useStore subscribed (fixed there; test/dom/hooks.test.ts
    // pins it). A failure here still says what the page showed and which requests it made.
    await expect
      .poll(() => transcript.locator('li').count(), { timeout: 10_000 })
      .toBe(before.length)
      .catch(async (error: Error) => {
        const body = (await page.textContent('body').catch(() => null))?.replace(/\s+/g, ' ').slice(0, 600);
        throw new Error(`${error.message}\npage: ${body}\nrequests: ${requests.join('; ')}`, { cause: error });
      });
    expect(await transcript.textContent()).toContain('ORD-8842');
    expect(await refunds.textContent()).toContain('$89.99');

    await page.getByRole('button', { name: 'New conversation' }).click();
    expect(await transcript.locator('li').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('support.chat'))).toBeNull();
    expect(tab.problems).toEqual([]);
  });

  it('is usable with the keyboard alone, with a visible focus ring', async () => {
    tab = await openTab(browser, app.url);
    const { page } = tab;
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
    for (let i = 0; i < 10 && (await focused()) !== 'message'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('message');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(ring).not.toBe('none');

    await page.keyboard.type(SEED_1);
    await page.keyboard.press('Enter');
    const yes = page.getByRole('button', { name: 'Yes', exact: true });
    const refunded = page.getByRole('region', { name: 'Your refunds' });
    await yes.waitFor({ timeout: 30_000 });
    // Reach Yes by Shift+Tab from the message box, and answer with Enter.
    for (let i = 0; i < 8 && (await focused()) !== 'Yes'; i++) await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Yes');
    await page.keyboard.press('Enter');
    await refunded.waitFor({ timeout: 30_000 });
    // The buttons are all in the tab order: Send after the box, New conversation from the top.
    await page.getByLabel('Your message').focus();
    await page.keyboard.type('thanks!');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Send');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('list', { name: 'Conversation' }).textContent()).toContain('thanks!');
    for (let i = 0; i < 20 && (await focused()) !== 'New conversation'; i++) await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('New conversation');
    expect(tab.problems).toEqual([]);
  });

  it('fits a 375 px wide screen without horizontal scrolling', async () => {
    tab = await openTab(browser, app.url, { width: 375, height: 740 });
    const { page } = tab;
    await page.getByLabel('Your message').fill(SEED_1);
    await page.keyboard.press('Enter');
    const fits = async () => {
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    };
    const yes = page.getByRole('button', { name: 'Yes', exact: true });
    await yes.waitFor({ timeout: 30_000 });
    await fits(); // with the offer showing
    const box = await yes.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(375);
    await acceptRefund(page, app);
    await fits(); // with the refund showing
    const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
    expect(send && send.x + send.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(ARTIFACTS, 'chat-375.png'), fullPage: true });
    expect(tab.problems).toEqual([]);
  });

  it('says in words when the conversation is busy (honouring Retry-After), then sends on retry', async () => {
    tab = await openTab(browser, app.url);
    const { page } = tab;
    let refused = 0;
    await page.route('**/api/conversations/*/messages', async (route) => {
      if (refused++ > 0) return route.fallback();
      await route.fulfill({
        status: 409,
        headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '2' },
        body: JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'busy' }),
      });
    });
    await page.getByLabel('Your message').fill('Hello there');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/still answering your previous message.*try again in [12] s/);
    const retry = alert.getByRole('button', { name: 'Try again' });
    expect(await retry.isDisabled()).toBe(true);
    await expect.poll(() => retry.isEnabled(), { timeout: 5000 }).toBe(true);
    await retry.click();
    await expect.poll(() => page.getByRole('list', { name: 'Conversation' }).textContent()).toContain('Assistant');
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('says in words when sending too fast (429) and when the network is down', async () => {
    tab = await openTab(browser, app.url);
    const { page } = tab;
    let mode: 'limited' | 'offline' | 'ok' = 'limited';
    await page.route('**/api/conversations/*/messages', async (route) => {
      if (mode === 'limited')
        return route.fulfill({
          status: 429,
          headers: { 'Retry-After': '1' },
          contentType: 'application/problem+json',
          body: '{}',
        });
      if (mode === 'offline') return route.abort('internetdisconnected');
      return route.fallback();
    });
    await page.getByLabel('Your message').fill('Hello');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/faster than we can answer/);
    mode = 'offline';
    const retry = page.getByRole('button', { name: 'Try again' });
    await expect.poll(() => retry.isEnabled(), { timeout: 5000 }).toBe(true);
    await retry.click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/could not reach the support service/);
    mode = 'ok';
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Conversation' }).textContent()).toContain('Hello');
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('offers a new conversation when the stored one is gone (404)', async () => {
    tab = await openTab(browser, app.url);
    const { page } = tab;
    await page.evaluate(() =>
      sessionStorage.setItem(
        'support.chat',
        JSON.stringify({ id: 'conv_gone', token: 'x'.repeat(43), lastEventId: null }),
      ),
    );
    await page.reload();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('no longer available');
    await page.getByRole('button', { name: 'Start a new conversation' }).click();
    await page.getByLabel('Your message').fill('Hi again');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('list', { name: 'Conversation' }).textContent()).toContain('Assistant');
  });
});
