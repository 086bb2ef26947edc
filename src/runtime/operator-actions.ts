/**
 * What a person of the support team can do to a conversation (I14, I15): each action is a typed
 * machine event applied like every other (compare-and-swap on the version, effects through the
 * outbox), recorded with the operator's name; the customer is told of every change of hands.
 */
import type { OperatorEvent } from '../machines/conversation.events.js';
import { explainOperator, type Rejection } from '../machines/conversation.rules.js';
import type { Operator } from '../operators/types.js';
import type { Clock } from '../policy.js';
import type { NewEvent } from '../store/types.js';
import type { Engine } from './engine.js';
import type { HeldConversation } from './held.js';
import { leakContextFor } from './leak-context.js';
import { stateOf } from './machine-steps.js';
import { approvedNotice, deniedNotice } from './offer-text.js';
import type { Sanitizer } from './sanitizer.js';

export type { Operator } from '../operators/types.js';

export type OperatorAction =
  | { kind: 'approve'; requestId: string; digest: string; note?: string }
  | { kind: 'deny'; requestId: string; digest: string; note?: string }
  | { kind: 'takeover' }
  | { kind: 'reply'; message: string }
  | { kind: 'handback' }
  | { kind: 'resolve' };

/** The machine did not accept the action now: what it would accept instead (a 409, or 403 for a role). */
export class OperatorConflictError extends Error {
  constructor(
    readonly rejection: Rejection,
    readonly allowed: string[],
    readonly state: string,
  ) {
    super(rejection.message);
    this.name = 'OperatorConflictError';
  }
}

export interface OperatorDeps {
  engine: Engine;
  clock: Clock;
  sanitizer: Sanitizer;
  /** I4: whether the order was refunded anywhere meanwhile (the approval's facts are re-checked). */
  refundOf(orderId: string): Promise<{ refundId: string } | null>;
}

/** Every operator event the machine accepts now (from `snapshot.can`), for the console's buttons and 409 bodies. */
export function allowedOperatorEvents(held: HeldConversation, operator: Operator, at: string): string[] {
  const ctx = held.snapshot.context;
  const a = ctx.approval;
  const probes: OperatorEvent[] = [
    {
      type: 'operator.approve',
      requestId: a?.requestId ?? '-',
      digest: a?.digest ?? '-',
      operator: operator.name,
      role: operator.role,
      at,
    },
    {
      type: 'operator.deny',
      requestId: a?.requestId ?? '-',
      digest: a?.digest ?? '-',
      operator: operator.name,
      role: operator.role,
      note: '',
      at,
    },
    { type: 'operator.takeover', operator: operator.name, at, turn: held.turn },
    { type: 'operator.reply', operator: operator.name },
    { type: 'operator.handback', operator: operator.name, at },
    { type: 'operator.resolve', operator: operator.name, at },
  ];
  return probes.filter((e) => held.snapshot.can(e)).map((e) => e.type);
}

function eventFor(action: OperatorAction, operator: Operator, at: string, turn: number): OperatorEvent {
  switch (action.kind) {
    case 'approve':
      return {
        type: 'operator.approve',
        requestId: action.requestId,
        digest: action.digest,
        operator: operator.name,
        role: operator.role,
        at,
      };
    case 'deny':
      return {
        type: 'operator.deny',
        requestId: action.requestId,
        digest: action.digest,
        operator: operator.name,
        role: operator.role,
        note: action.note ?? '',
        at,
      };
    case 'takeover':
      return { type: 'operator.takeover', operator: operator.name, at, turn };
    case 'reply':
      return { type: 'operator.reply', operator: operator.name };
    case 'handback':
      return { type: 'operator.handback', operator: operator.name, at };
    case 'resolve':
      return { type: 'operator.resolve', operator: operator.name, at };
  }
}

const notice = (text: string, topic: string): NewEvent => ({ kind: 'notice', payload: { text, topic } });

/** Applies an operator action to a held conversation. Throws OperatorConflictError when the machine refuses it. */
export async function actAsOperator(
  deps: OperatorDeps,
  held: HeldConversation,
  operator: Operator,
  action: OperatorAction,
): Promise<void> {
  const { engine } = deps;
  const at = deps.clock().toISOString();
  const event = eventFor(action, operator, at, held.turn);
  const before = held.snapshot.context;
  const record = (decision: 'accepted' | 'rejected', reason: string): NewEvent => ({
    kind: 'operator_action',
    payload: { operator: operator.name, role: operator.role, action: action.kind, decision, reason },
  });
  const refused = async (): Promise<never> => {
    const rejection = explainOperator(held.snapshot.context, event);
    engine.note(held, record('rejected', rejection.message));
    await engine.flush(held);
    throw new OperatorConflictError(rejection, allowedOperatorEvents(held, operator, at), stateOf(held.snapshot));
  };
  if (!held.snapshot.can(event)) return refused();
  if (action.kind === 'approve' && before.approval) {
    const facts = before.orders[before.approval.orderId];
    const existing = await deps.refundOf(before.approval.orderId);
    if (facts && existing) {
      await engine.dispatch(held, {
        type: 'order.checked',
        facts: {
          ...facts,
          refunded: true,
          refundId: existing.refundId,
          eligible: false,
          ineligibleCode: 'ALREADY_REFUNDED',
        },
      });
      if (!held.snapshot.can(event)) return refused();
    }
  }

  const events: NewEvent[] = [record('accepted', `Accepted in state ${stateOf(held.snapshot)}.`)];
  const first = operator.name.split(/\s+/)[0] ?? operator.name;
  if (action.kind === 'takeover')
    events.push(notice(`${first} from our support team has joined the conversation.`, 'takeover'));
  if (action.kind === 'handback') {
    const since = before.takeover?.sinceTurn ?? held.turn;
    events.push(
      notice(`${first} has handed you back to the assistant. I'm here if you need anything else.`, 'handback'),
    );
    events.push({
      kind: 'note',
      payload: {
        text:
          `[note] A person from the support team (${operator.name}) handled turns ` +
          `${since}–${held.turn} of this conversation ` +
          'and has handed it back to you. Read what they wrote above, do not repeat ' +
          'it, and continue helping the customer.',
      },
    });
  }
  if (action.kind === 'resolve')
    events.push(notice('This conversation has been closed by our support team. Thank you!', 'resolved'));
  if (action.kind === 'reply') {
    const text = deps.sanitizer.sanitize(action.message, leakContextFor(held)).text;
    events.push({ kind: 'operator_message', payload: { operator: operator.name, text } });
  }
  const applied = await engine.dispatch(held, event, { events, durable: true });
  if (!applied.ok) return refused();

  if (action.kind === 'approve') {
    const refund = applied.outcomes.find((o) => o.kind === 'refund');
    if (refund?.kind === 'refund' && refund.status === 'done')
      engine.note(held, notice(approvedNotice(refund.orderId, refund.amountCents, refund.refundId), 'approval'));
    else if (refund?.kind === 'refund' && refund.status === 'failed')
      engine.note(
        held,
        notice(
          'A specialist approved your refund, but the payment provider declined it; our team will follow up.',
          'approval',
        ),
      );
    else
      engine.note(
        held,
        notice('A specialist approved your refund; it is being confirmed with our payment provider.', 'approval'),
      );
  }
  if (action.kind === 'deny' && before.approval)
    engine.note(
      held,
      notice(
        deniedNotice(before.approval.orderId, deps.sanitizer.sanitize(action.note ?? '', leakContextFor(held)).text),
        'approval',
      ),
    );
  await engine.flush(held);
}
