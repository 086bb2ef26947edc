import { afterEach, describe, expect, it } from 'vitest';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { expectProblem, startConversation } from '../api/api-harness.js';
import { buildMcpApi, call, connect, newMcpConversation, type McpFixture } from './mcp-harness.js';

let fx: McpFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const initialize = (headers: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  }),
});

describe('ALL /mcp authentication (I16: the conversation token, never the session id)', () => {
  it('answers 401 problem+json with WWW-Authenticate: Bearer without a token', async () => {
    fx = await buildMcpApi();
    const c = await startConversation(fx.app);
    const res = await fx.app.request(`/mcp?conversation=${c.conversation_id}`, initialize({}));
    const body = await expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(body.detail).toMatch(/token/);
    // and the SDK client sees the same refusal
    const noToken = connect(fx, { conversationId: c.conversation_id, token: null });
    await expect(noToken).rejects.toThrow();
  });

  it('answers 404 for a wrong token or an unknown conversation, and 400 when no conversation is named', async () => {
    fx = await buildMcpApi();
    const c = await startConversation(fx.app);
    const other = await startConversation(fx.app);
    await expectProblem(
      await fx.app.request(
        `/mcp?conversation=${c.conversation_id}`,
        initialize({ Authorization: `Bearer ${other.token}` }),
      ),
      404,
    );
    await expectProblem(
      await fx.app.request('/mcp?conversation=conv_nope', initialize({ Authorization: `Bearer ${c.token}` })),
      404,
    );
    await expectProblem(await fx.app.request('/mcp', initialize({ Authorization: `Bearer ${c.token}` })), 400);
    // the header works as well as the query parameter
    const res = await fx.app.request(
      '/mcp',
      initialize({ Authorization: `Bearer ${c.token}`, 'X-Conversation-Id': c.conversation_id }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
  });

  it("answers 404 when a second conversation's token presents the first one's session id", async () => {
    fx = await buildMcpApi();
    const first = await newMcpConversation(fx);
    const sessionId = first.transport.sessionId;
    expect(sessionId).toBeTruthy();
    const second = await startConversation(fx.app);

    // the SDK client of the second conversation, reusing the first session id
    const hijack = await connect(fx, {
      conversationId: second.conversation_id,
      token: second.token,
      sessionId: sessionId!,
    });
    await hijack.client.connect(hijack.transport); // a known session id: the SDK skips initialize
    await expect(
      hijack.client.callTool({ name: 'get_customer', arguments: { email: 'sarah@example.com' } }),
    ).rejects.toMatchObject({
      code: 404,
    });
    const raw = await fx.app.request(`/mcp?conversation=${second.conversation_id}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${second.token}`,
        'Mcp-Session-Id': sessionId!,
        'Mcp-Protocol-Version': LATEST_PROTOCOL_VERSION,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'get_customer', arguments: { email: 'sarah@example.com' } },
      }),
    });
    await expectProblem(raw, 404);
    // the first token naming another conversation on its own session: 404 too
    const crossed = await fx.app.request(`/mcp?conversation=${second.conversation_id}`, {
      method: 'GET',
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${first.token}`, 'Mcp-Session-Id': sessionId! },
    });
    await expectProblem(crossed, 404);

    // nothing reached the first conversation; its own client still works
    const view = await fx.h.runtime.getConversation(first.conversation_id, first.token);
    expect(view.proposals).toHaveLength(0);
    const ok = await call(first.client, 'get_customer', { email: 'sarah@example.com' });
    expect(ok.isError).toBe(false);
  });

  it('refuses a browser request from a foreign Origin (DNS rebinding) with 403', async () => {
    fx = await buildMcpApi();
    const c = await startConversation(fx.app);
    const auth = { Authorization: `Bearer ${c.token}` };
    const foreign = await fx.app.request(
      `/mcp?conversation=${c.conversation_id}`,
      initialize({ ...auth, Origin: 'http://evil.example' }),
    );
    await expectProblem(foreign, 403);
    const own = await fx.app.request(
      `/mcp?conversation=${c.conversation_id}`,
      initialize({ ...auth, Origin: 'http://localhost' }),
    );
    expect(own.status).toBe(200);
  });

  it('reports an unknown session id as 404 so the client starts again', async () => {
    fx = await buildMcpApi();
    const c = await startConversation(fx.app);
    const stale = await connect(fx, {
      conversationId: c.conversation_id,
      token: c.token,
      sessionId: 'no-such-session',
    });
    const listed = stale.client.listTools();
    await expect(listed).rejects.toThrow();
    const error = await stale.transport
      .send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} })
      .then(() => null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(404);
  });

  it('forgets a session the client deleted, and one left idle too long', async () => {
    let clock = 0;
    fx = await buildMcpApi({ mcp: { idleMs: 60_000, now: () => clock } });
    const first = await newMcpConversation(fx);
    const deleted = first.transport.sessionId!;
    await first.transport.terminateSession();
    const reused = await connect(fx, { conversationId: first.conversation_id, token: first.token, sessionId: deleted });
    await reused.client.connect(reused.transport);
    await expect(reused.client.listTools()).rejects.toMatchObject({ code: 404 });

    const idle = await newMcpConversation(fx);
    await idle.client.listTools();
    clock += 61_000;
    await newMcpConversation(fx); // a new session sweeps the idle ones
    await expect(idle.client.listTools()).rejects.toMatchObject({ code: 404 });
  });
});
