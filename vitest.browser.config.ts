import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the pages in Chromium (playwright-core, /usr/bin/chromium or
 * SUPPORT_CHROMIUM) against real server processes. The global setup builds the web bundles first.
 * One file at a time: each test runs a server and a browser on a machine shared with others.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
