/**
 * Operators inspect a conversation: its Stately inspection events (JSON, or SSE followed by the
 * live ones as they are committed) and its statechart with the path it took.
 */
import { createInspector } from '@statelyai/inspect';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AnyStateMachine } from 'xstate';
import { chartModel } from '../inspect/chart-model.js';
import { renderSvg, toDot } from '../inspect/chart-svg.js';
import { traceLog } from '../inspect/chart-trace.js';
import {
  createInspectionChannel,
  feedLog,
  inspectionEvents,
  type InspectionChannel,
  type InspectorLike,
  type SequencedMessage,
} from '../inspect/inspection.js';
import type { ConversationLog, Fact } from '../inspect/types.js';
import { NotFoundError } from '../runtime/errors.js';
import { AuthHeadersSchema } from './auth.js';
import { SVG_HEADERS } from './machine.js';
import { problemEntry } from './problem.js';

export interface InspectionRouteDeps {
  machine: AnyStateMachine;
  /** Resolves for an operator's `Authorization` header; throws the API's 401 (or 404 when disabled) otherwise. */
  authorizeOperator(authorization: string | undefined): Promise<unknown>;
  conversationLog(id: string): Promise<ConversationLog | null>;
  /** Calls `listener` with each batch of facts committed to the conversation from now on; returns the unsubscribe. */
  subscribe(id: string, listener: (facts: ConversationLog['facts']) => void): () => void;
  /** Idle time before an SSE comment keeps the stream open through proxies (default 15 s). */
  keepAliveMs?: number;
}

const security = [{ operatorAuth: [] }];
const errors = {
  401: problemEntry('Missing or wrong operator token'),
  404: problemEntry('No such conversation (or operator endpoints are disabled)'),
};
const params = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'conv_3f2a…' }),
});

const InspectionEventSchema = z
  .looseObject({
    type: z.enum(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    sessionId: z.string().openapi({ description: 'The conversation id' }),
    rootId: z.string().optional(),
    createdAt: z.string().openapi({ description: 'Commit time, milliseconds since the epoch' }),
    id: z.string().openapi({ description: '`<conversation>:<fact seq>:<kind>`' }),
  })
  .openapi('InspectionEvent', {
    description: 'A Stately inspection event (@statelyai/inspect), customer PII redacted',
  });

const InspectionSchema = z
  .object({ conversationId: z.string(), events: z.array(InspectionEventSchema) })
  .openapi('Inspection');

const inspectionRoute = createRoute({
  method: 'get',
  path: '/api/operator/conversations/{id}/inspection',
  tags: ['operators'],
  summary: "A conversation's Stately inspection events: the machine definition, then event and snapshot per fact",
  security,
  request: { params, headers: AuthHeadersSchema },
  responses: {
    200: { description: 'Inspection events', content: { 'application/json': { schema: InspectionSchema } } },
    ...errors,
  },
});

const inspectionStreamRoute = createRoute({
  method: 'get',
  path: '/api/operator/conversations/{id}/inspection/stream',
  tags: ['operators'],
  summary: 'The same inspection events as server-sent events, then the live ones as they are committed',
  description:
    'Each SSE message carries one inspection event as JSON; `id:` is the fact seq (0 for the definition), ' +
    'so `Last-Event-ID` resumes.',
  security,
  request: {
    params,
    headers: AuthHeadersSchema.extend({
      'last-event-id': z.string().regex(/^\d+$/).optional().openapi({ description: 'Resume after this fact seq' }),
    }),
  },
  responses: {
    200: { description: 'Server-sent events', content: { 'text/event-stream': { schema: z.string() } } },
    ...errors,
  },
});

const chartRoute = createRoute({
  method: 'get',
  path: '/api/operator/conversations/{id}/chart.svg',
  tags: ['operators'],
  summary:
    "The statechart with the conversation's current state filled and its visited states and taken transitions marked",
  security,
  request: { params, headers: AuthHeadersSchema },
  responses: { 200: { description: 'SVG image', content: { 'image/svg+xml': { schema: z.string() } } }, ...errors },
});

/** A channel whose messages land in `out`, with the seq of their fact. */
function collectingChannel(machine: AnyStateMachine, out: SequencedMessage[]): InspectionChannel<InspectorLike> {
  const channel: InspectionChannel<InspectorLike> = createInspectionChannel(machine, (options) =>
    createInspector({ send: (message) => out.push({ seq: channel.seq, message }) }, options),
  );
  return channel;
}

export function registerInspectionRoutes(app: OpenAPIHono, deps: InspectionRouteDeps): void {
  const { machine } = deps;
  const model = chartModel(machine);
  const keepAliveMs = deps.keepAliveMs ?? 15_000;

  async function logOf(id: string): Promise<ConversationLog> {
    const log = await deps.conversationLog(id);
    if (!log) throw new NotFoundError();
    return log;
  }

  app.openapi(inspectionRoute, async (c) => {
    const { id } = c.req.valid('param');
    await deps.authorizeOperator(c.req.valid('header').authorization);
    const log = await logOf(id);
    const events = inspectionEvents(machine, log).map((m) => m.message);
    // through JSON, as the WebSocket adapter sends them (undefined members drop out)
    return c.json(
      InspectionSchema.parse({ conversationId: log.conversationId, events: JSON.parse(JSON.stringify(events)) }),
      200,
    );
  });

  app.openapi(chartRoute, async (c) => {
    const { id } = c.req.valid('param');
    await deps.authorizeOperator(c.req.valid('header').authorization);
    const log = await logOf(id);
    const svg = await renderSvg(toDot(model, traceLog(machine, model, log)));
    return c.body(svg, 200, { ...SVG_HEADERS, 'Cache-Control': 'no-store' });
  });

  app.openapi(inspectionStreamRoute, async (c) => {
    const { id } = c.req.valid('param');
    const headers = c.req.valid('header');
    await deps.authorizeOperator(headers.authorization);
    const after = headers['last-event-id'] === undefined ? -1 : Number(headers['last-event-id']);
    // subscribe before reading the log, so nothing committed in between is missed (seqs dedupe)
    const pending: Fact[] = [];
    let wake: () => void = () => {};
    const unsubscribe = deps.subscribe(id, (facts) => {
      pending.push(...facts);
      wake();
    });
    let log: ConversationLog;
    try {
      log = await logOf(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => wake());
      try {
        const out: SequencedMessage[] = [];
        const feed = feedLog(collectingChannel(machine, out), log);
        const flush = async () => {
          for (const m of out.splice(0))
            if (m.seq > after) await stream.writeSSE({ id: String(m.seq), data: JSON.stringify(m.message) });
        };
        await flush();
        while (!stream.aborted && !stream.closed) {
          const batch = pending.splice(0).sort((a, b) => a.seq - b.seq);
          if (batch.length > 0) {
            for (const fact of batch) feed.push(fact);
            await flush();
            continue;
          }
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), keepAliveMs);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = () => {};
          if (!woken && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
