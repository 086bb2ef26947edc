import { afterEach, describe, expect, it } from 'vitest';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { inspectionEvents } from '../../src/inspect/inspection.js';
import { conversationLog } from '../../src/inspect/log.js';
import { createRedactor } from '../../src/inspect/redact.js';
import type { ConversationLog, Fact } from '../../src/inspect/types.js';
import type { Harness } from '../support/harness.js';
import { SARAH_PII, seed1Conversation } from './fixtures.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A long conversation: the customer keeps writing (each message is a fact), never verified. */
function longLog(count: number): ConversationLog {
  const facts: Fact[] = Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    at: new Date(Date.UTC(2026, 10, 26, 12, 0, i)).toISOString(),
    event: { type: 'customer.wrote', emails: [`someone${i}@example.org`], codes: [] },
    from: 'unverified',
    to: 'unverified',
  }));
  return {
    conversationId: 'conv_long',
    input: { conversationId: 'conv_long', refundLimitCents: 10_000 },
    facts,
    storedState: 'unverified',
  };
}

describe('inspection events of a conversation', () => {
  it('start with the actor message carrying the definition and end in a resolved snapshot, for SEED 1', async () => {
    const seeded = await seed1Conversation();
    h = seeded.h;
    const log = await conversationLog(h.runtime.store, seeded.id);
    expect(log).not.toBeNull();
    const messages = inspectionEvents(conversationMachine, log!).map((m) => m.message);

    const first = messages[0]!;
    expect(first.type).toBe('@xstate.actor');
    if (first.type !== '@xstate.actor') throw new Error('unreachable');
    expect(first.name).toBe('conversation');
    expect(JSON.parse(first.definition ?? 'null')).toMatchObject({ id: 'conversation', initial: 'unverified' });

    const last = messages.at(-1)!;
    expect(last.type).toBe('@xstate.snapshot');
    if (last.type !== '@xstate.snapshot') throw new Error('unreachable');
    expect(last.snapshot).toMatchObject({ value: 'resolved' });

    // one event and one snapshot per fact, in commit order, all stamped with the conversation and the stored times
    expect(messages).toHaveLength(1 + 2 * log!.facts.length);
    for (const m of messages) {
      expect(m.sessionId).toBe(seeded.id);
      expect(m.rootId).toBe(seeded.id);
    }
    const times = log!.facts.map((f) => String(Date.parse(f.at)));
    expect(messages.filter((m) => m.type === '@xstate.event').map((m) => m.createdAt)).toEqual(times);
    expect(
      messages.filter((m) => m.type === '@xstate.event').map((m) => (m.type === '@xstate.event' ? m.event.type : '')),
    ).toEqual(log!.facts.map((f) => f.event.type));
  });

  it('carry no customer email or name anywhere, in context or events', async () => {
    const seeded = await seed1Conversation();
    h = seeded.h;
    const log = await conversationLog(h.runtime.store, seeded.id);
    const json = JSON.stringify(inspectionEvents(conversationMachine, log!));
    // the raw log does carry them: the redaction is what removes them
    expect(JSON.stringify(log)).toMatch(SARAH_PII);
    expect(json).not.toMatch(SARAH_PII);
    expect(json).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    expect(json).toContain('[email]');
    expect(json).toContain('[name]');
  });

  it('are not capped: 300 facts give 300 events and 300 snapshots', () => {
    const log = longLog(300);
    const messages = inspectionEvents(conversationMachine, log);
    expect(messages).toHaveLength(601);
    expect(messages.filter((m) => m.message.type === '@xstate.snapshot').map((m) => m.seq)).toEqual(
      log.facts.map((f) => f.seq),
    );
    expect(messages.at(-1)!.message.id).toBe('conv_long:300:snapshot');
    expect(JSON.stringify(messages)).not.toMatch(/someone\d+@/);
  });

  it('show the recorded state when the machine would go elsewhere (the log is the truth)', () => {
    const log = longLog(2);
    log.facts[1] = { ...log.facts[1]!, to: 'escalated' };
    const last = inspectionEvents(conversationMachine, log).at(-1)!.message;
    expect(last).toMatchObject({ type: '@xstate.snapshot', snapshot: { value: 'escalated' } });
  });
});

describe('the redactor', () => {
  it('removes emails and learned names wherever they appear, and keeps the shape', () => {
    const r = createRedactor();
    r.learn({ customer: { name: 'Sarah Chen', email: 'sarah@example.com' } });
    const out = r.redact({
      customer: { customerId: 'USR-001', name: 'Sarah Chen', email: 'sarah@example.com', status: 'active' },
      emailsGiven: ['sarah@example.com'],
      unknownEmails: ['x@y.io'],
      escalation: { summary: 'Sarah (SARAH.CHEN@EXAMPLE.COM) asked for Chen’s manager; write to ops+1@corp.example' },
      orders: { 'ORD-8842': { orderId: 'ORD-8842', refundableCents: 8999 } },
    });
    expect(out).toEqual({
      customer: { customerId: 'USR-001', name: '[name]', email: '[email]', status: 'active' },
      emailsGiven: ['[email]'],
      unknownEmails: ['[email]'],
      escalation: { summary: '[name] ([email]) asked for [name]’s manager; write to [email]' },
      orders: { 'ORD-8842': { orderId: 'ORD-8842', refundableCents: 8999 } },
    });
  });
});
