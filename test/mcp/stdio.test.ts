import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const ENTRY = join(ROOT, 'src/mcp/stdio.ts');

const dirs: string[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'support-mcp-stdio-'));
  dirs.push(dir);
  return dir;
}

const env = (dir: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? dir,
  SUPPORT_DATA_DIR: dir,
});

/** Starts `npm run mcp`'s entry as Claude Desktop would, collecting what it tells a person on stderr. */
async function startStdio(dir: string, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: TSX,
    args: [ENTRY, ...args],
    env: env(dir),
    cwd: ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(transport).catch((error: Error) => {
    throw new Error(`connect failed: ${error.message}; stderr was:\n${stderr}`);
  });
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (let i = 0; i < 100; i++) {
      const match = pattern.exec(stderr);
      if (match) return match;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not on stderr: ${pattern} in ${stderr}`);
  };
  // a failed call says what the server told a person on stderr (a crash at start-up, say)
  const call = async (name: string, args: Record<string, unknown>) => {
    try {
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    } catch (error) {
      throw new Error(`${name} failed: ${(error as Error).message}; stderr was:\n${stderr}`);
    }
  };
  return { client, call, waitFor, stderr: () => stderr };
}

describe('npm run mcp (stdio)', () => {
  it('starts a conversation, prints its id and token on stderr only, and refunds ORD-8842 once', async () => {
    const dir = dataDir();
    const mcp = await startStdio(dir);
    const [, conversationId, token] = await mcp.waitFor(
      /conversation (conv_\w+)[^\n]*\n\s+its token \(shown once\): (\S+)/,
    );
    expect(conversationId).toBeTruthy();

    await mcp.call('get_customer', { email: 'sarah@example.com' });
    const [, code] = await mcp.waitFor(/code is (\d{6})/); // the development mailbox, echoed
    expect((await mcp.call('verify_code', { code: code! })).isError).toBe(false);
    await mcp.call('lookup_order', { order_id: 'ORD-8842' });
    const offer = await mcp.call('process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    const offerId = (offer.structuredContent as { awaiting: { offer_id: string } }).awaiting.offer_id;
    const done = await mcp.call('confirm_refund', { offer_id: offerId });
    expect(done.structuredContent).toMatchObject({ status: 'processed' });
    expect((await mcp.call('confirm_refund', { offer_id: offerId })).isError).toBe(true);
    await mcp.client.close();

    // continued with its id and token, the conversation is the same one (the refund is remembered)
    const again = await startStdio(dir, ['--conversation', conversationId!, '--token', token!]);
    await again.waitFor(/continuing conversation/);
    expect(again.stderr()).not.toContain(token);
    const twice = await again.call('process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(twice.isError).toBe(true);
  });

  it('refuses to continue a conversation with a wrong token (one beginning with a dash is a token too)', () => {
    const dir = dataDir();
    // a base64url token begins with '-' one time in 64: it is still the value of --token
    const run = spawnSync(TSX, [ENTRY, '--conversation', 'conv_nope', '--token', '-wrong'], {
      env: env(dir),
      cwd: ROOT,
      input: '',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/not found, or the token is not its token/);
  });
});
