/**
 * `npm run screenshots`: docs/screenshots/chat.png (the SEED-1 refund in the chat page, phone
 * width) and docs/screenshots/console.png (the operator console with a queue), taken in Chromium
 * against a fresh server with the offline model. Needs the web build (the npm script builds first).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_TOKEN,
  adminHeaders,
  apiConversation,
  hasEndpoint,
  launchBrowser,
  openTab,
  SEED_1,
  SEED_VIP,
  startApp,
} from '../test/browser/browser-harness.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  const app = await startApp();
  const browser = await launchBrowser();
  try {
    const chat = await openTab(browser, app.url, { width: 390, height: 844 });
    await chat.page.getByLabel('Your message').fill(SEED_1);
    await chat.page.keyboard.press('Enter');
    const yes = chat.page.getByRole('button', { name: 'Yes', exact: true });
    const refunds = chat.page.getByRole('region', { name: 'Your refunds' });
    const first = await Promise.race([
      yes.waitFor({ timeout: 30_000 }).then(() => 'offer'),
      refunds.waitFor({ timeout: 30_000 }).then(() => 'direct'),
    ]);
    if (first === 'offer') await yes.click();
    await refunds.waitFor();
    await chat.page.getByLabel('Your message').fill('Thanks! Did it go through?');
    await chat.page.screenshot({ path: join(out, 'chat.png'), fullPage: true });

    await (await apiConversation(app.url)).send('This is unacceptable, I will call my lawyer about ORD-8842.');
    await (await apiConversation(app.url)).send(SEED_VIP);
    await (await apiConversation(app.url)).send('Can I talk to a human please?');
    const console_ = await openTab(browser, `${app.url}/console`, { width: 1280, height: 860 });
    await console_.page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await console_.page.keyboard.press('Enter');
    await console_.page.locator('tbody tr').nth(2).waitFor();
    // Open the approval (ORD-7771) when the server has the operator views; the queue alone otherwise.
    if (await hasEndpoint(app.url, '/api/operator/me', { headers: adminHeaders })) {
      await console_.page.locator('tbody tr').nth(1).getByRole('button').click();
      await console_.page.getByRole('heading', { name: 'Transcript' }).waitFor();
      await console_.page.waitForTimeout(500);
    }
    await console_.page.screenshot({ path: join(out, 'console.png'), fullPage: true });
    process.stdout.write(`wrote ${join(out, 'chat.png')} and ${join(out, 'console.png')}\n`);
  } finally {
    await browser.close();
    await app.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
