/**
 * `ALL /mcp`: the MCP server over Streamable HTTP (the SDK's web-standard transport, fed the raw
 * request). The bearer token is the conversation's own token and the conversation id travels as
 * `?conversation=<id>` or an `X-Conversation-Id` header; the client then acts for that conversation.
 *
 * Each MCP session is bound to (conversation id, token hash) when it is initialised, and every later
 * request of the session must present the same token (and, if it names one, the same conversation):
 * the session id only routes, it never authorises. A request without a token is a 401.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
// prettier-ignore
import type { WebStandardStreamableHTTPServerTransport } from
  '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Runtime } from '../runtime/runtime.js';
import type { McpExtra } from '../mcp/server.js';
import { bearerToken } from './auth.js';
import { ApiProblem } from './problem.js';

export interface McpHttpOptions {
  /** Most MCP sessions held at once (default 1000); a new one beyond that gets 503. */
  maxSessions?: number;
  /** A session unused this long is closed (default 30 minutes). */
  idleMs?: number;
  /** How long the customer has to answer an elicitation (default 10 minutes). */
  elicitationTimeoutMs?: number;
  onUnexpectedError?: (error: unknown) => void;
  /** Browser origins allowed besides the server's own (DNS-rebinding protection; requests without Origin pass). */
  allowedOrigins?: string[];
  /** The clock for idle expiry (tests). */
  now?: () => number;
  version?: string;
}

interface Session {
  conversationId: string;
  tokenHash: Buffer;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
}

const MAX_CONVERSATION_ID = 200;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The conversation a request names (query or header), or null; both given and different is a 400. */
function conversationOf(req: Request): string | null {
  const fromQuery = new URL(req.url).searchParams.get('conversation');
  const fromHeader = req.headers.get('x-conversation-id');
  if (fromQuery !== null && fromHeader !== null && fromQuery !== fromHeader)
    throw new ApiProblem(
      400,
      'the conversation query parameter and X-Conversation-Id header name different conversations',
    );
  const id = (fromQuery ?? fromHeader)?.trim() || null;
  if (id !== null && id.length > MAX_CONVERSATION_ID) throw new ApiProblem(404, 'conversation not found');
  return id;
}

/** A browser's Origin must be this server's own or one allowed explicitly (the MCP spec's DNS-rebinding rule). */
function originAllowed(req: Request, allowed: readonly string[]): boolean {
  const origin = req.headers.get('origin');
  if (origin === null || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === new URL(req.url).host;
  } catch {
    return false;
  }
}

const sessionNotFound = () => new ApiProblem(404, 'MCP session not found; start a new one with an initialize request');

/** The MCP endpoint's request handler and its sessions (one transport and one server per session). */
export function createMcpHttpHandler(runtime: Runtime, options: McpHttpOptions = {}) {
  const sessions = new Map<string, Session>();
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.idleMs ?? 30 * 60_000;
  const now = options.now ?? Date.now;

  function closeSession(id: string) {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    void session.server.close().catch(() => {});
  }

  function closeIdle() {
    const cutoff = now() - idleMs;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) closeSession(id);
  }

  /** The token of this HTTP request, given to the tool handlers through the SDK's authInfo. */
  const credentials = (conversationId: string) => (extra: McpExtra) => {
    const token = extra.authInfo?.token;
    if (!token) throw new Error('MCP request without authInfo');
    return { conversationId, token };
  };

  async function handle(req: Request): Promise<Response> {
    if (!originAllowed(req, options.allowedOrigins ?? []))
      throw new ApiProblem(403, 'requests from this origin may not use /mcp');
    const token = bearerToken(req.headers.get('authorization') ?? undefined);
    if (token === null)
      throw new ApiProblem(401, "the conversation's token is required (Authorization: Bearer <token>)", {
        'WWW-Authenticate': 'Bearer realm="mcp"',
      });
    const named = conversationOf(req);
    const sessionId = req.headers.get('mcp-session-id');

    if (sessionId !== null) {
      const session = sessions.get(sessionId);
      // another token or another conversation on a known session id is the same 404 as an unknown one
      const sameToken = session !== undefined && timingSafeEqual(session.tokenHash, sha256(token));
      if (!session || !sameToken || (named !== null && named !== session.conversationId)) throw sessionNotFound();
      await runtime.authoriseToken(session.conversationId, token);
      session.lastSeen = now();
      const authInfo = { token, clientId: session.conversationId, scopes: [] };
      return session.transport.handleRequest(req, { authInfo });
    }

    if (named === null)
      throw new ApiProblem(400, 'name the conversation: /mcp?conversation=<id> or an X-Conversation-Id header');
    await runtime.authoriseToken(named, token); // unknown and not-yours: 404
    if (req.method !== 'POST') throw new ApiProblem(400, 'start an MCP session with an initialize request (POST)');
    closeIdle();
    if (sessions.size >= maxSessions)
      throw new ApiProblem(503, 'too many MCP sessions right now; please try again shortly', { 'Retry-After': '30' });

    // the MCP SDK (a third of a second to load) is loaded with the first session, not at start-up
    const [{ createSupportMcpServer }, { WebStandardStreamableHTTPServerTransport }] = await Promise.all([
      import('../mcp/server.js'),
      import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    ]);
    const server = createSupportMcpServer(runtime, {
      credentials: credentials(named),
      ...(options.elicitationTimeoutMs !== undefined ? { elicitationTimeoutMs: options.elicitationTimeoutMs } : {}),
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
      ...(options.version ? { version: options.version } : {}),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { conversationId: named, tokenHash: sha256(token), transport, server, lastSeen: now() });
      },
      onsessionclosed: (id) => closeSession(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(req, { authInfo: { token, clientId: named, scopes: [] } });
    // not an initialize request after all: nothing to keep
    if (!transport.sessionId) await server.close();
    return response;
  }

  return {
    handle,
    /** Open sessions (tests, health). */
    sessionCount: () => sessions.size,
    /** Closes every session (shutdown). */
    async close() {
      for (const id of [...sessions.keys()]) closeSession(id);
    },
  };
}

export type McpHttpHandler = ReturnType<typeof createMcpHttpHandler>;

/** Registers `ALL /mcp` on the app; errors are thrown as ApiProblem and answered as problem+json by onError. */
export function registerMcpRoutes(app: OpenAPIHono, runtime: Runtime, options: McpHttpOptions = {}): McpHttpHandler {
  const handler = createMcpHttpHandler(runtime, options);
  app.all('/mcp', (c) => handler.handle(c.req.raw));
  return handler;
}
