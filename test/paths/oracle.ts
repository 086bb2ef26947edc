/**
 * The oracle: what the policy (DESIGN.md I1–I16, SEED.md rules, the issues' confirmation, approval
 * and takeover rules) demands, written from the invariants and the demo data, never from the
 * machine. It imports nothing from src/.
 *
 * A world holds conversations (one customer each), the refunds and tickets that exist and the
 * clock. `turn` plays one customer message: a person in charge first (I15), the code triggers (I6),
 * the customer's answer to a standing offer (I13), then each tool proposal in order, then the
 * clarification rule (I9). `operate` (oracle-operators.ts) plays an operator's action (I14, I15).
 */

/** SEED.md: REFUND_LIMIT default 150 USD. */
export const LIMIT_CENTS = 15_000;
/** I14: a supervisor has this long to decide an approval request (the runtime's default). */
export const APPROVAL_HOURS = 24;
/**
 * The order classes below hold at the test clock and for this long after it (the nearest window
 * edge among the alphabet's orders is 25 days away; oracle.test.ts checks it). Clock steps only
 * move past an open approval's deadline, so a run never gets near it.
 */
export const FIXTURE_VALID_HOURS = 20 * 24;
/**
 * I9 / SEED "2 or more failed clarification rounds → P3": the first turn that obtains nothing
 * is the ask; the two clarification rounds after it that also fail make three turns in a row.
 */
export const STALL_TURNS = 3;
/** I12: tool proposals decided per model response; the rest are refused. */
export const PROPOSALS_PER_RESPONSE = 4;

export type Priority = 'P1' | 'P2' | 'P3';
type Status = 'active' | 'suspended' | 'closed';
/** Refundability of an order at the test clock, read off SEED.md and the RULES comments of demo-data.ts. */
type OrderClass = 'eligible' | 'ineligible' | 'refunded';

export interface FixtureCustomer {
  id: string;
  email: string;
  status: Status;
}
export interface FixtureOrder {
  id: string;
  owner: string;
  cents: number;
  cls: OrderClass;
}

/** The records of the demo data the alphabets use (checked against demo-data.ts in oracle.test.ts). */
export const CUSTOMERS: FixtureCustomer[] = [
  { id: 'USR-102', email: 'chloe.costa@example.com', status: 'active' }, // the "own" persona of the exhaustive alphabet
  { id: 'USR-002', email: 'marcus@example.com', status: 'active' },
  { id: 'USR-001', email: 'sarah@example.com', status: 'active' },
  { id: 'USR-VIP', email: 'james@example.com', status: 'active' },
  { id: 'USR-100', email: 'ava.adams@example.com', status: 'active' },
  { id: 'USR-SUSPENDED', email: 'dana@example.com', status: 'suspended' },
  { id: 'USR-CLOSED', email: 'olly@example.com', status: 'closed' },
];

export const ORDERS: FixtureOrder[] = [
  { id: 'ORD-1063', owner: 'USR-102', cents: 7822, cls: 'eligible' }, // lost in transit
  { id: 'ORD-1056', owner: 'USR-102', cents: 32922, cls: 'eligible' }, // delivered 3 days ago, above the limit
  { id: 'ORD-1049', owner: 'USR-102', cents: 5222, cls: 'refunded' }, // seeded refund
  { id: 'ORD-9901', owner: 'USR-002', cents: 4900, cls: 'ineligible' }, // subscription
  { id: 'ORD-8842', owner: 'USR-001', cents: 8999, cls: 'eligible' }, // blender, delivered 4 days ago
  { id: 'ORD-7771', owner: 'USR-VIP', cents: 40000, cls: 'eligible' }, // lost in transit, above the limit
  { id: 'ORD-1007', owner: 'USR-100', cents: 4599, cls: 'eligible' },
  { id: 'ORD-1014', owner: 'USR-100', cents: 3999, cls: 'ineligible' }, // outside the return window
  { id: 'ORD-1021', owner: 'USR-100', cents: 2999, cls: 'ineligible' }, // not shipped yet
  { id: 'ORD-5550', owner: 'USR-SUSPENDED', cents: 2500, cls: 'eligible' },
];

/** One thing the model proposes, as the oracle sees it (ids already normalised). */
export type Action =
  | { tool: 'get_customer'; email: string }
  /** customerId: what the model passed, if anything (the system acts only for the verified customer). */
  | { tool: 'lookup_order'; orderId: string; customerId?: string }
  | { tool: 'process_refund'; orderId: string; cents: number | null }
  | { tool: 'escalate_to_human'; priority: Priority }
  /** Malformed input, an unknown tool, or a tool the chat model does not have: refused whatever the state. */
  | { tool: 'invalid' };

/** The customer's answer to a refund offer, hand-labelled on each text (a hedge counts as a no). */
export type Answer = 'yes' | 'no' | 'unclear';

export interface Turn {
  /** The customer's message contains a legal/fraud/distress word or asks for a human (I6). */
  trigger: boolean;
  /** The email addresses the customer wrote in this message (lower-case). */
  emails: string[];
  answer: Answer;
  proposals: Action[];
}

export type Decision = 'accepted' | 'rejected';

/** I13: the exact refund the customer is asked to confirm (the system's order and amount). */
export interface Offer {
  orderId: string;
  cents: number;
  /** Above the limit: a yes asks a supervisor instead of refunding. */
  above: boolean;
}

/** I14: a refund above the limit waiting for a supervisor. Deadline in clock hours. */
export interface Approval {
  orderId: string;
  cents: number;
  deadline: number;
}

export interface Conversation {
  customer: FixtureCustomer | null;
  /** The escalation's priority (its ticket, or the approval's ticket when an approval expired). */
  ticket: Priority | null;
  /** Ticket rows opened: escalations (one, plus one per trigger raise, I6) and approval requests (I14). */
  tickets: Priority[];
  /** Orders looked up here and found on the verified customer's account: refundable now? */
  checked: Map<string, boolean>;
  /** Orders whose approval a supervisor denied here: not refundable in this conversation again. */
  denied: Set<string>;
  stalls: number;
  /** The latest order request of the customer has been refunded here. */
  resolved: boolean;
  /** I1: emails the customer wrote in this conversation: the only ones that may be verified. */
  said: Set<string>;
  offer: Offer | null;
  approval: Approval | null;
  /** I15: a person holds the conversation. */
  takenOver: boolean;
}

export interface World {
  /** I13 on: every refund is offered and needs the customer's yes. */
  confirm: boolean;
  /** Hours since the test clock. */
  hours: number;
  conversations: Map<string, Conversation>;
  /** Refunds made: order → {cents, conversation}. */
  refunds: Map<string, { cents: number; conversation: string }>;
}

export function newWorld(confirm = true): World {
  return { confirm, hours: 0, conversations: new Map(), refunds: new Map() };
}

export function cloneWorld(w: World): World {
  const conversations = new Map<string, Conversation>();
  for (const [id, c] of w.conversations)
    conversations.set(id, {
      ...c,
      checked: new Map(c.checked),
      denied: new Set(c.denied),
      said: new Set(c.said),
      tickets: [...c.tickets],
    });
  return { ...w, conversations, refunds: new Map(w.refunds) };
}

export function conversation(w: World, id: string): Conversation {
  let c = w.conversations.get(id);
  if (!c) {
    c = {
      customer: null,
      ticket: null,
      tickets: [],
      checked: new Map(),
      denied: new Set(),
      stalls: 0,
      resolved: false,
      said: new Set(),
      offer: null,
      approval: null,
      takenOver: false,
    };
    w.conversations.set(id, c);
  }
  return c;
}

export const orderById = (id: string) => ORDERS.find((o) => o.id === id) ?? null;
const customerByEmail = (email: string) => CUSTOMERS.find((c) => c.email === email) ?? null;
/** I4: refunded before (seed) or by the agent, in any conversation. */
export const refundedAnywhere = (w: World, order: FixtureOrder) => order.cls === 'refunded' || w.refunds.has(order.id);

/** Opens an escalation (one per conversation); it withdraws any open offer (no autonomous writes after, I6). */
export function escalate(c: Conversation, p: Priority): void {
  if (c.ticket !== null) return;
  c.ticket = p;
  c.tickets.push(p);
  c.offer = null;
}

/** The refund itself: the system's amount for the order, once (I3, I4). */
export function refund(w: World, id: string, order: FixtureOrder): void {
  w.refunds.set(order.id, { cents: order.cents, conversation: id });
  conversation(w, id).resolved = true;
}

/** I14: above the limit a supervisor must approve this exact request before its deadline; a P2 ticket asks. */
function requestApproval(w: World, c: Conversation, order: FixtureOrder): void {
  c.approval = { orderId: order.id, cents: order.cents, deadline: w.hours + APPROVAL_HOURS };
  c.tickets.push('P2');
  c.resolved = false;
}

/** I13: the customer's yes pays exactly the offer (or asks a supervisor); a no or a hedge withdraws it. */
function answerOffer(w: World, id: string, c: Conversation, answer: 'yes' | 'no'): void {
  const offer = c.offer;
  if (!offer) return;
  c.offer = null;
  if (answer === 'no') return; // nothing refunded; the order may be offered again if asked
  const order = orderById(offer.orderId);
  if (!order) throw new Error(`offer of an unknown order ${offer.orderId}`);
  if (offer.above) return requestApproval(w, c, order);
  // another conversation refunded it meanwhile (I4): the offer is withdrawn, nothing more is paid
  if (refundedAnywhere(w, order)) return void c.checked.set(order.id, false);
  refund(w, id, order);
}

/** Whether the model may be called for this conversation now (I15: never while a person holds it). */
export const modelRuns = (w: World, id: string) => !conversation(w, id).takenOver;

/** A key per tool and order (or email): one accepted proposal of each per turn (I12). */
function proposalKey(a: Action): string | null {
  if (a.tool === 'get_customer') return `get:${a.email}`;
  if (a.tool === 'lookup_order') return `lookup:${a.orderId}`;
  if (a.tool === 'process_refund') return `refund:${a.orderId}`;
  if (a.tool === 'escalate_to_human') return 'escalate';
  return null;
}

/** Plays one customer turn in conversation `id`; mutates `w` and returns each proposal's decision. */
export function turn(w: World, id: string, t: Turn): Decision[] {
  if (w.hours > FIXTURE_VALID_HOURS) throw new Error('the clock moved past what the order fixture describes');
  const c = conversation(w, id);
  for (const e of t.emails) c.said.add(e);
  // I15: a person holds the conversation: the message is for them; nothing is decided, no model runs
  if (c.takenOver) return [];
  // I6: decided in code from the customer's text, before the model says anything
  if (t.trigger) {
    // …a trigger after a less urgent escalation raises it to P1, with a ticket of its own
    if (c.ticket !== null && c.ticket !== 'P1') {
      c.ticket = 'P1';
      c.tickets.push('P1');
    } else escalate(c, 'P1');
  }

  let progressed = false;
  // I13: the answer to a standing offer is the customer's own, decided from their text
  if (c.offer && t.answer !== 'unclear') {
    answerOffer(w, id, c, t.answer);
    progressed = true;
  }

  const seen = new Set<string>();
  const decisions = t.proposals.map((a, i): Decision => {
    if (i >= PROPOSALS_PER_RESPONSE) return 'rejected'; // I12
    const key = proposalKey(a);
    if (key !== null && seen.has(key)) return 'rejected'; // I12: not twice in a turn
    const d = decide(w, id, c, a);
    if (d.decision === 'accepted' && key !== null) seen.add(key);
    if (d.progressed) progressed = true;
    return d.decision;
  });

  // I9: turns that obtain nothing while the identity or an order is still missing
  const missing = c.customer === null || c.checked.size === 0;
  if (c.ticket === null && missing && !progressed) {
    c.stalls++;
    if (c.stalls >= STALL_TURNS) escalate(c, 'P3');
  } else c.stalls = 0;
  return decisions;
}

const accepted = (progressed: boolean) => ({ decision: 'accepted' as const, progressed });
const REJECTED = { decision: 'rejected' as const, progressed: false };

/** One proposal, decided by the invariants. */
function decide(w: World, id: string, c: Conversation, a: Action): { decision: Decision; progressed: boolean } {
  if (a.tool === 'invalid') return REJECTED;
  // I6: after escalation, no autonomous action at all (one ticket, no reads, no writes)
  if (c.ticket !== null) return REJECTED;
  switch (a.tool) {
    case 'escalate_to_human':
      escalate(c, a.priority);
      return accepted(true);
    case 'get_customer': {
      // one customer per conversation: otherwise ownership (I5) would mean nothing
      if (c.customer !== null) return REJECTED;
      // I1: only an address the customer wrote, never one the model chose
      if (!c.said.has(a.email)) return REJECTED;
      const found = customerByEmail(a.email);
      if (!found) return accepted(false);
      c.customer = found;
      if (found.status !== 'active') escalate(c, 'P2'); // I10
      return accepted(true);
    }
    case 'lookup_order': {
      if (c.customer === null || c.customer.status !== 'active') return REJECTED; // I1
      if (a.customerId !== undefined && a.customerId !== c.customer.id) return REJECTED; // I5: for another customer
      const order = orderById(a.orderId);
      if (!order) return accepted(false); // not found: nothing learned
      if (order.owner !== c.customer.id) {
        escalate(c, 'P1'); // I5: ownership mismatch, no more autonomous writes
        return accepted(true);
      }
      const refundable = order.cls === 'eligible' && !refundedAnywhere(w, order) && !c.denied.has(order.id);
      c.checked.set(order.id, refundable);
      c.resolved = false;
      return accepted(true);
    }
    case 'process_refund': {
      if (c.customer === null || c.customer.status !== 'active') return REJECTED; // I1
      // I13 / I14: one refund decision at a time: an offer waiting for the customer, or a supervisor
      if (c.offer !== null || c.approval !== null) return REJECTED;
      const order = orderById(a.orderId);
      const refundableAtLookup = c.checked.get(a.orderId);
      if (!order || refundableAtLookup === undefined) return REJECTED; // I2: looked up here first
      if (order.owner !== c.customer.id) return REJECTED; // I5
      if (refundedAnywhere(w, order)) return REJECTED; // I4
      if (!refundableAtLookup) return REJECTED; // I2 (and a supervisor's no stands)
      if (a.cents !== null && a.cents !== order.cents) return REJECTED; // I3: the system decides the amount
      const above = order.cents > LIMIT_CENTS;
      c.resolved = false;
      if (w.confirm)
        c.offer = { orderId: order.id, cents: order.cents, above }; // I13: ask first
      else if (above)
        requestApproval(w, c, order); // I3/I14: never an autonomous refund above the limit
      else refund(w, id, order);
      return accepted(true);
    }
  }
}

export type ConversationStatus = 'open' | 'resolved' | 'escalated';

/** Escalated while a person is needed (ticket, approval, takeover); resolved when the latest request was refunded. */
export function statusOf(w: World, id: string): ConversationStatus {
  const c = conversation(w, id);
  if (c.takenOver || c.ticket !== null || c.approval !== null) return 'escalated';
  return c.resolved ? 'resolved' : 'open';
}

/** What must exist at the end: refunds (order:cents@conversation) and tickets (conversation:priority), sorted. */
export function expectedRecords(w: World): { refunds: string[]; tickets: string[] } {
  const refunds = [...w.refunds].map(([order, r]) => `${order}:${r.cents}@${r.conversation}`).sort();
  const tickets = [...w.conversations].flatMap(([id, c]) => c.tickets.map((p) => `${id}:${p}`)).sort();
  return { refunds, tickets };
}
