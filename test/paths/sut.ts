/**
 * The system under test: the real runtime (machine, tools, embedded backends, SQL store) on an
 * in-memory SQLite database with the demo data and a fixed clock, driven by a scripted model.
 *
 * Speed: one database serves every sequence. A checkpoint records what a conversation can change
 * (conversations and effects whole, how far events, tickets and non-seed refunds went); restoring
 * it puts the database back exactly, which is all a runtime needs to continue (it keeps no
 * conversation state in memory: the restart step checks that). The exhaustive search shares
 * prefixes this way instead of replaying them.
 */
import { createEmbeddedBackends } from '../../src/backends/embedded/embedded-backends.js';
import { seedDemoData } from '../../src/backends/embedded/demo-data.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { BusyError } from '../../src/runtime/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { createSqlStore, migrate } from '../../src/store/sql-store.js';
import type { SqlDriver, SqlQueryable, SqlValue } from '../../src/store/sql.js';
import type { TurnStep } from './alphabet.js';
import { plannerModel } from './planner-model.js';
import { productParts } from '../support/runtime-parts.js';

export const FIXED_NOW = new Date('2026-11-26T12:00:00.000Z');
const clock = () => FIXED_NOW;

type Row = Record<string, unknown>;

/**
 * What a checkpoint keeps: the mutable rows whole (conversations, effects: a few per sequence) and,
 * for the append-only tables (events, tickets, refunds), how far they went.
 */
export interface Checkpoint {
  conversations: Row[];
  effects: Row[];
  maxSeq: number;
  tickets: string[];
  refunds: string[];
  roles: Map<string, { id: string; token: string }>;
}

export interface ProposalSeen {
  tool: string;
  decision: 'accepted' | 'rejected';
  code: string | null;
  invariant: string | null;
}

export interface TurnSeen {
  proposals: ProposalSeen[];
  busy: boolean;
  reply: string;
}

export interface RecordsSeen {
  refunds: string[];
  tickets: string[];
  status: string;
  state: string;
}

export interface Sut {
  db: SqlDriver;
  runtime: Runtime;
  /** Conversations by role ("main", "twin1", …). */
  conversations: Map<string, { id: string; token: string }>;
  newConversation(role: string): Promise<void>;
  /** Sends one customer turn; `busy` when the conversation's lease was held (409). */
  send(role: string, step: TurnStep): Promise<{ busy: boolean; reply: string }>;
  /** The audit log's position for a conversation, to read what a turn recorded after it. */
  mark(): Promise<number>;
  /** Proposals recorded (I11) after `mark`, in order; also notes the machine transitions committed. */
  proposalsSince(role: string, mark: number): Promise<ProposalSeen[]>;
  /** mark + send + proposalsSince. */
  turn(role: string, step: TurnStep): Promise<TurnSeen>;
  restart(): Promise<void>;
  records(): Promise<RecordsSeen>;
  checkpoint(): Promise<Checkpoint>;
  restore(cp: Checkpoint): Promise<void>;
  /** Machine transitions the runtime committed ("from --event--> to"), for coverage. */
  transitions: Set<string>;
}

/** Builds the SUT with one "main" conversation; checkpoint() right after gives the empty start. */
export async function createSut(): Promise<Sut> {
  const db = createSqliteDriver(':memory:');
  await migrate(db);
  await seedDemoData(db, FIXED_NOW);
  const model = plannerModel();
  const build = () =>
    createRuntime({
      store: createSqlStore(db, clock),
      backends: createEmbeddedBackends(db, clock),
      model,
      policy: DEFAULT_POLICY,
      clock,
      retry: { retries: 2, baseDelayMs: 1, sleep: async () => {} },
      ...productParts(),
      confirmRefunds: false,
    });
  const transitions = new Set<string>();
  const conv = (role: string) => {
    const c = sut.conversations.get(role);
    if (!c) throw new Error(`no conversation ${role}`);
    return c;
  };

  const sut: Sut = {
    db,
    runtime: build(),
    conversations: new Map(),
    transitions,
    async newConversation(role) {
      const c = await sut.runtime.createConversation();
      sut.conversations.set(role, { id: c.conversation_id, token: c.token });
    },
    async send(role, step) {
      const { id, token } = conv(role);
      const ref = model.plan(step);
      try {
        return { busy: false, reply: (await sut.runtime.sendMessage(id, token, `${step.text} (ref ${ref})`)).reply };
      } catch (error) {
        if (error instanceof BusyError) return { busy: true, reply: '' };
        throw error;
      }
    },
    async mark() {
      // global: the events a conversation appends afterwards all have a higher sequence number
      const rows = await db.all<Row>('SELECT COALESCE(MAX(seq), 0) AS s FROM events');
      return Number(rows[0]?.s ?? 0);
    },
    async proposalsSince(role, mark) {
      const rows = await db.all<Row>(
        "SELECT kind, payload FROM events WHERE conversation_id = ? AND seq > ? AND kind IN ('proposal', 'fact') ORDER BY seq",
        [conv(role).id, mark],
      );
      const out: ProposalSeen[] = [];
      for (const r of rows) {
        const p = JSON.parse(String(r.payload)) as Record<string, unknown>;
        if (r.kind === 'proposal') {
          out.push({
            tool: String(p.tool),
            decision: p.decision === 'accepted' ? 'accepted' : 'rejected',
            code: typeof p.code === 'string' ? p.code : null,
            invariant: typeof p.invariant === 'string' ? p.invariant : null,
          });
        } else {
          const ev = p.event as { type: string };
          transitions.add(`${String(p.from)} --${ev.type}--> ${String(p.to)}`);
        }
      }
      return out;
    },
    async turn(role, step) {
      const m = await sut.mark();
      const { busy, reply } = await sut.send(role, step);
      return { busy, reply, proposals: await sut.proposalsSince(role, m) };
    },
    async restart() {
      // a new process on the same database: new store, backends and runtime; pending effects first
      sut.runtime = build();
      await sut.runtime.recoverPendingEffects();
    },
    async records() {
      const rows = await db.all<Row>(
        `SELECT 'refund' AS k, order_id AS a, amount_cents AS b, conversation_id AS c FROM refunds WHERE conversation_id <> 'seed'
         UNION ALL SELECT 'ticket', priority, 0, conversation_id FROM tickets
         UNION ALL SELECT 'state', json_extract(snapshot, '$.value'), 0, id FROM conversations WHERE id = ?`,
        [conv('main').id],
      );
      const role = new Map([...sut.conversations].map(([r, c]) => [c.id, r]));
      const name = (id: unknown) => role.get(String(id)) ?? String(id);
      const refunds: string[] = [];
      const tickets: string[] = [];
      let state = 'none';
      for (const r of rows) {
        if (r.k === 'refund') refunds.push(`${String(r.a)}:${Number(r.b)}@${name(r.c)}`);
        else if (r.k === 'ticket') tickets.push(`${name(r.c)}:${String(r.a)}`);
        else state = String(r.a);
      }
      return {
        refunds: refunds.sort(),
        tickets: tickets.sort(),
        status: state === 'escalated' ? 'escalated' : state === 'resolved' ? 'resolved' : 'open',
        state,
      };
    },
    async checkpoint() {
      const [conversations, effects, seq, tickets, refunds] = [
        await db.all<Row>('SELECT * FROM conversations'),
        await db.all<Row>('SELECT * FROM effects'),
        await db.all<Row>('SELECT COALESCE(MAX(seq), 0) AS s FROM events'),
        await db.all<Row>('SELECT ticket_id FROM tickets'),
        await db.all<Row>("SELECT refund_id FROM refunds WHERE conversation_id <> 'seed'"),
      ];
      return {
        conversations,
        effects,
        maxSeq: Number(seq[0]?.s ?? 0),
        tickets: tickets.map((r) => String(r.ticket_id)),
        refunds: refunds.map((r) => String(r.refund_id)),
        roles: new Map(sut.conversations),
      };
    },
    async restore(cp) {
      const notIn = (column: string, ids: string[]) => (ids.length ? `${column} NOT IN (${ids.map(() => '?').join(', ')})` : '1 = 1');
      const reinsert = async (q: SqlQueryable, table: string, rows: Row[]) => {
        await q.run(`DELETE FROM ${table}`);
        const first = rows[0];
        if (!first) return;
        const cols = Object.keys(first);
        const tuple = `(${cols.map(() => '?').join(', ')})`;
        await q.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, rows.flatMap((r) => cols.map((c) => r[c] as SqlValue)));
      };
      await db.tx(async (q) => {
        await reinsert(q, 'conversations', cp.conversations);
        await reinsert(q, 'effects', cp.effects);
        await q.run('DELETE FROM events WHERE seq > ?', [cp.maxSeq]);
        await q.run(`DELETE FROM tickets WHERE ${notIn('ticket_id', cp.tickets)}`, cp.tickets);
        await q.run(`DELETE FROM refunds WHERE conversation_id <> 'seed' AND ${notIn('refund_id', cp.refunds)}`, cp.refunds);
      });
      sut.conversations = new Map(cp.roles);
    },
  };
  await sut.newConversation('main');
  return sut;
}
