/**
 * The oracle: what the policy (DESIGN.md I1–I12, SEED.md rules) demands, written from the
 * invariants and the demo data, never from the machine. It imports nothing from src/.
 *
 * A world holds conversations (one customer each) and the refunds and tickets that exist.
 * `turn` plays one customer message: the code triggers (I6), then each tool proposal in order,
 * then the clarification rule (I9). It returns the decision each proposal must get.
 */

/** SEED.md: REFUND_LIMIT default 150 USD. */
export const LIMIT_CENTS = 15_000;
/**
 * I9 / SEED "2 or more failed clarification rounds → P3": the first turn that obtains nothing
 * is the ask; the two clarification rounds after it that also fail make three turns in a row.
 */
export const STALL_TURNS = 3;

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
  /** Malformed input or an unknown tool: refused whatever the state, changes nothing. */
  | { tool: 'invalid' };

export interface Turn {
  /** The customer's message contains a legal/fraud/distress word or asks for a human (I6). */
  trigger: boolean;
  /** The email addresses the customer wrote in this message (lower-case). */
  emails: string[];
  proposals: Action[];
}

export type Decision = 'accepted' | 'rejected';

export interface Conversation {
  customer: FixtureCustomer | null;
  ticket: Priority | null;
  /** Tickets opened: the first escalation's, and one more each time a trigger raises it (I6). */
  tickets: Priority[];
  /** Orders looked up here and found on the verified customer's account: eligible at lookup? */
  checked: Map<string, boolean>;
  stalls: number;
  /** The latest order request of the customer has been refunded here. */
  resolved: boolean;
  /** I1: emails the customer wrote in this conversation: the only ones that may be verified. */
  said: Set<string>;
}

export interface World {
  conversations: Map<string, Conversation>;
  /** Refunds made by the agent: order → {cents, conversation}. */
  refunds: Map<string, { cents: number; conversation: string }>;
}

export function newWorld(): World {
  return { conversations: new Map(), refunds: new Map() };
}

export function cloneWorld(w: World): World {
  const conversations = new Map<string, Conversation>();
  for (const [id, c] of w.conversations) conversations.set(id, { ...c, checked: new Map(c.checked), said: new Set(c.said), tickets: [...c.tickets] });
  return { conversations, refunds: new Map(w.refunds) };
}

export function conversation(w: World, id: string): Conversation {
  let c = w.conversations.get(id);
  if (!c) {
    c = { customer: null, ticket: null, tickets: [], checked: new Map(), stalls: 0, resolved: false, said: new Set() };
    w.conversations.set(id, c);
  }
  return c;
}

const orderById = (id: string) => ORDERS.find((o) => o.id === id) ?? null;
const customerByEmail = (email: string) => CUSTOMERS.find((c) => c.email === email) ?? null;
/** I4: refunded before (seed) or by the agent, in any conversation. */
const refundedAnywhere = (w: World, order: FixtureOrder) => order.cls === 'refunded' || w.refunds.has(order.id);

/** Plays one customer turn in conversation `id`; mutates `w` and returns each proposal's decision. */
export function turn(w: World, id: string, t: Turn): Decision[] {
  const c = conversation(w, id);
  const escalate = (p: Priority) => {
    if (c.ticket === null) {
      c.ticket = p; // one escalation per conversation…
      c.tickets.push(p);
    }
  };
  for (const e of t.emails) c.said.add(e);
  // I6: decided in code from the customer's text, before the model says anything
  if (t.trigger) {
    // …but a trigger after a less urgent escalation raises it to P1, with a ticket of its own
    if (c.ticket !== null && c.ticket !== 'P1') {
      c.ticket = 'P1';
      c.tickets.push('P1');
    } else escalate('P1');
  }

  let progressed = false;
  const decisions = t.proposals.map((a): Decision => {
    if (a.tool === 'invalid') return 'rejected';
    // I6: after escalation, no autonomous action at all (one ticket, no reads, no writes)
    if (c.ticket !== null) return 'rejected';
    switch (a.tool) {
      case 'escalate_to_human':
        escalate(a.priority);
        progressed = true;
        return 'accepted';
      case 'get_customer': {
        // one customer per conversation: otherwise ownership (I5) would mean nothing
        if (c.customer !== null) return 'rejected';
        // I1: only an address the customer wrote, never one the model chose
        if (!c.said.has(a.email)) return 'rejected';
        const found = customerByEmail(a.email);
        if (found) {
          c.customer = found;
          progressed = true;
          if (found.status !== 'active') escalate('P2'); // I10
        }
        return 'accepted';
      }
      case 'lookup_order': {
        if (c.customer === null || c.customer.status !== 'active') return 'rejected'; // I1
        if (a.customerId !== undefined && a.customerId !== c.customer.id) return 'rejected'; // I5: for another customer
        const order = orderById(a.orderId);
        if (!order) return 'accepted'; // not found: nothing learned
        progressed = true;
        if (order.owner !== c.customer.id) {
          escalate('P1'); // I5: ownership mismatch, no more autonomous writes
          return 'accepted';
        }
        c.checked.set(order.id, order.cls === 'eligible' && !refundedAnywhere(w, order));
        c.resolved = false;
        return 'accepted';
      }
      case 'process_refund': {
        if (c.customer === null || c.customer.status !== 'active') return 'rejected'; // I1
        const order = orderById(a.orderId);
        const eligibleAtLookup = c.checked.get(a.orderId);
        if (!order || eligibleAtLookup === undefined) return 'rejected'; // I2: looked up here first
        if (order.owner !== c.customer.id) return 'rejected'; // I5
        if (refundedAnywhere(w, order)) return 'rejected'; // I4
        if (!eligibleAtLookup) return 'rejected'; // I2
        if (order.cents > LIMIT_CENTS) {
          escalate('P2'); // I3: above the limit, a P2 ticket, never a refund
          progressed = true;
          return 'rejected';
        }
        if (a.cents !== null && a.cents !== order.cents) return 'rejected'; // I3: the system decides the amount
        w.refunds.set(order.id, { cents: order.cents, conversation: id });
        c.resolved = true;
        progressed = true;
        return 'accepted';
      }
    }
  });

  // I9: turns that obtain nothing while the identity or an order is still missing
  const missing = c.customer === null || c.checked.size === 0;
  if (c.ticket === null && missing && !progressed) {
    c.stalls++;
    if (c.stalls >= STALL_TURNS) escalate('P3');
  } else c.stalls = 0;
  return decisions;
}

export type ConversationStatus = 'open' | 'resolved' | 'escalated';

export function statusOf(w: World, id: string): ConversationStatus {
  const c = conversation(w, id);
  if (c.ticket !== null) return 'escalated';
  return c.resolved ? 'resolved' : 'open';
}

/** What must exist at the end: refunds (order:cents@conversation) and tickets (conversation:priority), sorted. */
export function expectedRecords(w: World): { refunds: string[]; tickets: string[] } {
  const refunds = [...w.refunds].map(([order, r]) => `${order}:${r.cents}@${r.conversation}`).sort();
  const tickets = [...w.conversations].flatMap(([id, c]) => c.tickets.map((p) => `${id}:${p}`)).sort();
  return { refunds, tickets };
}
