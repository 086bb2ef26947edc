import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { text } from '../support/scripted-model.js';
import { buildApi, expectProblem, json, type ApiFixture } from './api-harness.js';
import { sessionIdProblem } from '../../src/api/session-id.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** Ids a person (or a script) would pick: sequences, repeats, few distinct characters, too short. */
const GUESSABLE = [
  '0123456789abcdef',
  '1234567890123456',
  'abcdefghijklmnop',
  'abcdefghijklmnopqrstuvwxyz',
  '0123456789abcdef0123456789abcdef',
  'aaaaaaaaaaaaaaaaaaaaaaaa',
  'abababababababababababab',
  'session_abcdefghijklmnop_0123',
  'hello_world_this_is_my_session',
  'Xk9fQ2mZp7Lw3RXk9fQ2mZp7Lw3R',
  '00000000-0000-4000-8000-000000000000',
  '12345678-1234-4234-8234-123456789abc',
  '1111111111111111111111111111111111',
  'deadbeefdeadbeefdeadbeefdeadbeef',
];

describe('session ids carry at least 96 bits of entropy by construction', () => {
  it('accepts UUID v4, random base64url (22+ characters), random hex (24+) and server-made ids', () => {
    for (let i = 0; i < 200; i++) {
      expect(sessionIdProblem(randomUUID())).toBeNull();
      expect(sessionIdProblem(randomBytes(17).toString('base64url').slice(0, 22))).toBeNull();
      expect(sessionIdProblem(randomBytes(24).toString('base64url'))).toBeNull();
      expect(sessionIdProblem(randomBytes(16).toString('hex'))).toBeNull();
    }
  });

  it('refuses sequences, repeats, low-variety and short ids', () => {
    for (const id of GUESSABLE) expect(sessionIdProblem(id), id).not.toBeNull();
  });

  it('answers 400 on POST /api/chat and GET /api/chat/stream, saying to omit the id', async () => {
    fx = await buildApi([]);
    for (const session_id of GUESSABLE) {
      const post = await expectProblem(await fx.app.request('/api/chat', json({ session_id, message: 'hi' })), 400);
      expect(post.detail).toMatch(/omit session_id and the server makes one/);
      const query = `session_id=${encodeURIComponent(session_id)}&message=hi`;
      const stream = await expectProblem(await fx.app.request(`/api/chat/stream?${query}`), 400);
      expect(stream.detail).toMatch(/omit session_id and the server makes one/);
    }
  });

  it('still continues a conversation under a random UUID', async () => {
    fx = await buildApi([[text('Hello!')], [text('Hello again!')]]);
    const session_id = randomUUID();
    expect((await fx.app.request('/api/chat', json({ session_id, message: 'hi' }))).status).toBe(200);
    expect((await fx.app.request('/api/chat', json({ session_id, message: 'hi' }))).status).toBe(200);
  });
});
