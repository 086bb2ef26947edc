import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MachineDefinitionSchema } from '../../src/api/machine.js';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { conversationLog } from '../../src/inspect/log.js';
import type { Fact } from '../../src/inspect/types.js';
import { buildApi, expectProblem, parseSse, type ApiFixture } from '../api/api-harness.js';
import { SARAH_PII, SEED_1_MESSAGE, seed1Script } from './fixtures.js';

const OPERATOR = { Authorization: 'Bearer operator-secret' };

let api: ApiFixture | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function setup() {
  api = await buildApi(seed1Script(), {
    machine: conversationMachine,
    machineSampleInput: { conversationId: 'conv_example', refundLimitCents: 0 },
    adminToken: 'operator-secret',
  });
  const runtime = api.h.runtime;
  const { conversation_id: id, token } = await runtime.createConversation();
  await runtime.sendMessage(id, token, SEED_1_MESSAGE);
  // what the engine publishes after a commit, driven by the test
  const feed = {
    publish: (conversationId: string, facts: Fact[]) =>
      runtime.live.publish(
        conversationId,
        facts.map((f) => ({
          seq: f.seq,
          n: f.seq,
          conversationId,
          turn: 9,
          kind: 'fact' as const,
          payload: { event: f.event, from: f.from, to: f.to },
          createdAt: f.at,
        })),
      ),
    count: (conversationId: string) => runtime.live.listeners(conversationId),
  };
  return { app: api.app, id, feed, store: runtime.store };
}

/** Reads an SSE body until `enough` says so, then lets go of it. */
async function readSse(res: Response, enough: (messages: Array<{ id: string | null; data: string }>) => boolean) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const parse = () =>
    parseSse(text).map((m, i) => ({ ...m, id: /^id: ?(.*)$/m.exec(text.split(/\r?\n\r?\n/)[i] ?? '')?.[1] ?? null }));
  while (!enough(parse())) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return parse();
}

describe('machine routes', () => {
  it('GET /api/machine answers Studio code, Mermaid and the JSON definition', async () => {
    const { app } = await setup();
    const res = await app.request('/api/machine');
    expect(res.status).toBe(200);
    const body = MachineDefinitionSchema.parse(await res.json());
    expect(body.studio).toContain('createMachine({');
    expect(body.studio).toContain('refundLimitCents: 0');
    expect(body.mermaid.startsWith('stateDiagram-v2')).toBe(true);
    expect(body.json).toMatchObject({ id: 'conversation', key: 'conversation' });
  });

  it('GET /api/machine.svg draws every state, offline', async () => {
    const { app } = await setup();
    const res = await app.request('/api/machine.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    for (const key of Object.keys(conversationMachine.states)) expect(svg).toContain(`>${key}</text>`);
  });

  it('are in the OpenAPI document', async () => {
    const { app } = await setup();
    const doc = z
      .object({ paths: z.record(z.string(), z.unknown()) })
      .parse(await (await app.request('/api/openapi.json')).json());
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/machine',
        '/api/machine.svg',
        '/api/operator/conversations/{id}/inspection',
        '/api/operator/conversations/{id}/inspection/stream',
        '/api/operator/conversations/{id}/chart.svg',
      ]),
    );
  });
});

describe('inspection routes', () => {
  it('answer the inspection events as JSON, definition first, resolved last, without PII', async () => {
    const { app, id } = await setup();
    const res = await app.request(`/api/operator/conversations/${id}/inspection`, { headers: OPERATOR });
    expect(res.status).toBe(200);
    const body = z
      .object({
        conversationId: z.string(),
        events: z.array(z.looseObject({ type: z.string(), sessionId: z.string() })),
      })
      .parse(await res.json());
    expect(body.conversationId).toBe(id);
    expect(body.events[0]).toMatchObject({ type: '@xstate.actor', sessionId: id, definition: expect.any(String) });
    expect(body.events.at(-1)).toMatchObject({ type: '@xstate.snapshot', snapshot: { value: 'resolved' } });
    expect(JSON.stringify(body)).not.toMatch(SARAH_PII);
  });

  it('draw the conversation chart with its current state marked', async () => {
    const { app, id } = await setup();
    const res = await app.request(`/api/operator/conversations/${id}/chart.svg`, { headers: OPERATOR });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    expect(svg).toMatch(/<g id="state:conversation\.resolved" class="node state atomic current">/);
    expect(svg).toMatch(/class="[^"]*\btaken\b/);
  });

  it('stream the events as SSE (id: fact seq), then the live ones, and resume after Last-Event-ID', async () => {
    const { app, id, feed, store } = await setup();
    const log = (await conversationLog(store, id))!;
    const res = await app.request(`/api/operator/conversations/${id}/inspection/stream`, { headers: OPERATOR });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const last = log.facts.at(-1)!;
    const live: Fact = {
      seq: last.seq + 1,
      at: last.at,
      event: { type: 'turn.ended', progressed: true },
      from: 'resolved',
      to: 'resolved',
    };
    let published = false;
    const messages = await readSse(res, (all) => {
      if (!published && all.length === 1 + 2 * log.facts.length) {
        feed.publish(id, [live]);
        published = true;
      }
      return all.length === 3 + 2 * log.facts.length;
    });
    expect(messages[0]!.id).toBe('0');
    expect(JSON.parse(messages[0]!.data)).toMatchObject({ type: '@xstate.actor' });
    expect(messages.slice(1).map((m) => Number(m.id))).toEqual([...log.facts, live].flatMap((f) => [f.seq, f.seq]));
    expect(JSON.parse(messages.at(-1)!.data)).toMatchObject({
      type: '@xstate.snapshot',
      snapshot: { value: 'resolved' },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(feed.count(id)).toBe(0); // the stream unsubscribed when the client went away

    const resumed = await app.request(`/api/operator/conversations/${id}/inspection/stream`, {
      headers: { ...OPERATOR, 'Last-Event-ID': String(log.facts.at(-2)!.seq) },
    });
    const tail = await readSse(resumed, (all) => all.length === 2);
    expect(tail.map((m) => Number(m.id))).toEqual([last.seq, last.seq]);
  });

  it('answer 401 without an operator token and 404 for an unknown conversation', async () => {
    const { app, id } = await setup();
    for (const path of ['inspection', 'inspection/stream', 'chart.svg']) {
      await expectProblem(await app.request(`/api/operator/conversations/${id}/${path}`), 401);
      const wrong = { Authorization: 'Bearer guess' };
      await expectProblem(await app.request(`/api/operator/conversations/${id}/${path}`, { headers: wrong }), 401);
      await expectProblem(
        await app.request(`/api/operator/conversations/conv_nope/${path}`, { headers: OPERATOR }),
        404,
      );
    }
  });
});
