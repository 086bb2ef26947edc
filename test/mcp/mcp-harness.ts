/** An app with `/mcp` and the mailbox over a harness runtime, and SDK clients that talk to it. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { createEmbeddedMailbox } from '../../src/backends/embedded/embedded-backends.js';
import type { Backends } from '../../src/backends/types.js';
import { createApp } from '../../src/api/app.js';
import type { McpHttpOptions } from '../../src/api/mcp.js';
import { createHarness, FIXED_NOW } from '../support/harness.js';
import { scriptedModel } from '../support/scripted-model.js';
import { startConversation, type ApiFixture } from '../api/api-harness.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface McpFixture extends ApiFixture {
  /** Moves the runtime's clock on (code expiry). */
  advance(ms: number): void;
  /** An in-process fetch: the client's requests go to `app.request`, no socket. */
  fetch: FetchLike;
}

export async function buildMcpApi(
  options: { wrapBackends?: (b: Backends) => Backends; mcp?: McpHttpOptions } = {},
): Promise<McpFixture> {
  let now = FIXED_NOW.getTime();
  const h = await createHarness(scriptedModel([]), {
    runtime: { confirmRefunds: true, clock: () => new Date(now) },
    ...(options.wrapBackends ? { wrapBackends: options.wrapBackends } : {}),
  });
  const unexpected: unknown[] = [];
  const app = createApp({
    runtime: h.runtime,
    adminToken: ADMIN_TOKEN,
    mcp: options.mcp ?? {},
    // the mailer the harness's runtime sends codes through stores them here
    mailbox: createEmbeddedMailbox(h.db),
    health: () => ({
      status: 'ok',
      model: 'scripted',
      store: 'sqlite',
      tools: h.runtime.toolNames,
      usage: h.runtime.usageTotals(),
    }),
    onUnexpectedError: (error) => unexpected.push(error),
  });
  const fetch: FetchLike = (url, init) => Promise.resolve(app.request(url.toString(), init));
  return { app, h, unexpected, close: () => h.close(), fetch, advance: (ms) => (now += ms) };
}

export interface ConnectOptions {
  conversationId: string;
  token: string | null;
  /** Answers elicitation requests (declares the capability); absent: a client without elicitation. */
  elicit?: (message: string) => ElicitResult | Promise<ElicitResult>;
  /** Present this MCP session id instead of initialising (cross-token tests). */
  sessionId?: string;
  baseUrl?: string;
  fetch?: FetchLike;
}

/** Connects an SDK client for one conversation (`?conversation=<id>`, `Authorization: Bearer <token>`). */
export async function connect(fx: McpFixture, o: ConnectOptions) {
  const client = new Client(
    { name: 'test-client', version: '1.0.0' },
    { capabilities: o.elicit ? { elicitation: { form: {} } } : {} },
  );
  const elicited: string[] = [];
  if (o.elicit) {
    const answer = o.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      elicited.push(req.params.message);
      return answer(req.params.message);
    });
  }
  const url = new URL(`${o.baseUrl ?? 'http://mcp.test'}/mcp?conversation=${encodeURIComponent(o.conversationId)}`);
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: o.fetch ?? fx.fetch,
    requestInit: { headers: o.token === null ? {} : { Authorization: `Bearer ${o.token}` } },
    ...(o.sessionId ? { sessionId: o.sessionId } : {}),
  });
  if (!o.sessionId) await client.connect(transport);
  return { client, transport, elicited };
}

/** A new conversation and a connected client for it. */
export async function newMcpConversation(fx: McpFixture, elicit?: ConnectOptions['elicit']) {
  const c = await startConversation(fx.app);
  const connected = await connect(fx, {
    conversationId: c.conversation_id,
    token: c.token,
    ...(elicit ? { elicit } : {}),
  });
  return { ...c, ...connected };
}

export type McpClient = Awaited<ReturnType<typeof connect>>['client'];

export async function call(client: McpClient, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export const textOf = (r: CallToolResult) =>
  r.content
    .map((c) => (c.type === 'text' ? c.text : ''))
    .join(' ')
    .trim();

/** The latest one-time code mailed to an address, read from the mailbox route as an operator would. */
export async function latestCode(fx: McpFixture, to: string): Promise<string> {
  const res = await fx.app.request(`/api/operator/mailbox?to=${encodeURIComponent(to)}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { mail: Array<{ text: string }> };
  const code = /code is (\d{6})/.exec(body.mail[0]?.text ?? '')?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

/** get_customer, the code from the mailbox, verify_code: the customer is verified over MCP. */
export async function verifyByCode(fx: McpFixture, client: McpClient, email = 'sarah@example.com') {
  const sent = await call(client, 'get_customer', { email });
  expect(sent.isError).toBe(false);
  expect(sent.structuredContent).toMatchObject({ code_sent: true });
  const verified = await call(client, 'verify_code', { code: await latestCode(fx, email) });
  expect(verified.isError, textOf(verified)).toBe(false);
  expect(verified.structuredContent).toMatchObject({ verified: true });
}
