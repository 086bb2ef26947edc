/**
 * `npm run screenshots`: docs/screenshots/chat.png (the SEED-1 refund offer with its Yes / No
 * buttons, phone width) and docs/screenshots/console.png (the console with the ORD-7771 approval
 * request open: the approve / deny buttons, the transcript, the statechart), taken in Chromium
 * against a fresh server with the offline model. Needs the web build (the npm script builds first).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_TOKEN,
  apiConversation,
  approvalWaiting,
  launchBrowser,
  openTab,
  SEED_1,
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
    const offer = chat.page.getByRole('region', { name: /^Refund offer/ });
    await offer.getByRole('button', { name: 'Yes', exact: true }).waitFor({ timeout: 30_000 });
    await offer.getByRole('button', { name: 'No', exact: true }).waitFor();
    await chat.page.screenshot({ path: join(out, 'chat.png'), fullPage: true });

    await (await apiConversation(app.url)).send('This is unacceptable, I will call my lawyer about ORD-8842.');
    const vip = await approvalWaiting(app.url);
    await (await apiConversation(app.url)).send('Can I talk to a human please?');
    const console_ = await openTab(browser, `${app.url}/console`, { width: 1280, height: 900 });
    await console_.page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await console_.page.keyboard.press('Enter');
    await console_.page.getByRole('button', { name: new RegExp(`^Open conversation ${vip.id}`) }).click();
    await console_.page.getByRole('button', { name: /^Approve refund of/ }).waitFor();
    const chart = console_.page.getByRole('img', { name: /^Statechart/ });
    await chart.waitFor();
    await chart.evaluate((img: HTMLImageElement) => img.decode());
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
