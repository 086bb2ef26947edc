import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './server-process.js';

describe('a server whose port is taken', () => {
  let taken: Server;
  let port = 0;
  const dir = mkdtempSync(join(tmpdir(), 'listen-errors-'));
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so in one line and exits with 1, without a stack trace', async () => {
    const started = startServer({ PORT: String(port), SUPPORT_DATA_DIR: dir });
    const error = (await started.then(
      () => null,
      (e: unknown) => e as Error,
    ))!;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('server exited before listening (1)');
    expect(error.message).toContain(
      `support agent cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another server running? set PORT)`,
    );
    expect(error.message).not.toMatch(/\n\s+at /);
  });
});
