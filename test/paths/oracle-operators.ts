/**
 * The oracle's people (imports nothing from src/): a supervisor's decision on an approval request
 * (I14), a person taking a conversation over, replying and handing it back (I15), and the clock
 * and the sweep that expire overdue requests.
 */
import { conversation, orderById, refund, refundedAnywhere, type Decision, type World } from './oracle.js';

export type Role = 'supervisor' | 'agent';

/**
 * What an operator does. For a decision, `request` and `digest` say whether the operator sent the
 * open request's own id and digest ('open') or other ones ('other').
 */
export type OperatorAction =
  | { op: 'approve'; request: 'open' | 'other'; digest: 'open' | 'other' }
  | { op: 'deny'; request: 'open' | 'other'; digest: 'open' | 'other' }
  | { op: 'takeover' }
  | { op: 'reply' }
  | { op: 'handback' };

/** Plays one operator action (by someone of `role`) on conversation `id`; returns whether the system must accept it. */
export function operate(w: World, id: string, role: Role, a: OperatorAction): Decision {
  const c = conversation(w, id);
  switch (a.op) {
    case 'takeover':
      if (c.takenOver) return 'rejected'; // one person at a time
      c.takenOver = true;
      return 'accepted';
    case 'reply':
      return c.takenOver ? 'accepted' : 'rejected'; // only the person in charge speaks for the team
    case 'handback':
      if (!c.takenOver) return 'rejected';
      c.takenOver = false; // I15: control returns to the agent, with everything that happened meanwhile
      return 'accepted';
    case 'approve':
    case 'deny': {
      const ap = c.approval;
      // I14: only a supervisor, only the exact open request (its id and its digest)
      if (role !== 'supervisor' || ap === null || a.request !== 'open' || a.digest !== 'open') return 'rejected';
      const order = orderById(ap.orderId);
      if (!order) throw new Error(`approval of an unknown order ${ap.orderId}`);
      if (a.op === 'deny') {
        c.approval = null;
        c.checked.set(order.id, false);
        c.denied.add(order.id); // a supervisor's no stands for this conversation
        return 'accepted';
      }
      if (w.hours > ap.deadline) return 'rejected'; // I14: before its deadline
      if (refundedAnywhere(w, order)) return 'rejected'; // I4: once
      c.approval = null;
      refund(w, id, order);
      return 'accepted';
    }
  }
}

/** Moves the clock just past the deadline of conversation `id`'s open request (if any). */
export function passDeadline(w: World, id: string): void {
  const ap = conversation(w, id).approval;
  if (ap) w.hours = Math.max(w.hours, ap.deadline + 1);
}

/**
 * The sweep (at start-up and periodically): an approval request past its deadline expires, and
 * its conversation is escalated with the request's ticket (no new one).
 */
export function sweep(w: World): void {
  for (const c of w.conversations.values()) {
    if (!c.approval || w.hours <= c.approval.deadline) continue;
    c.approval = null;
    c.ticket ??= 'P2';
  }
}
