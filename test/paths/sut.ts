/**
 * The system under test: the real runtime (machine, tools, effects, embedded backends, SQL store)
 * on an in-memory SQLite database with the demo data and a test clock, driven by a scripted model
 * and by operators acting through `runtime.operatorAct`. Two profiles: refund confirmation on (the
 * product's default) and off.
 *
 * Speed: one database serves every sequence. A checkpoint records what a conversation can change
 * (conversations and effects whole, how far events, tickets and non-seed refunds went, the clock);
 * restoring it puts the database back exactly, which is all a runtime needs to continue (it keeps
 * no conversation state in memory: the restart step checks that). The exhaustive search shares
 * prefixes this way instead of replaying them.
 */
import { createEmbeddedBackends } from '../../src/backends/embedded/embedded-backends.js';
import { seedDemoData } from '../../src/backends/embedded/demo-data.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { BusyError } from '../../src/runtime/errors.js';
import {
  OperatorConflictError,
  type OperatorAction as RuntimeOperatorAction,
} from '../../src/runtime/operator-actions.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { createSqlStore, migrate } from '../../src/store/sql-store.js';
import type { SqlDriver, SqlQueryable, SqlValue } from '../../src/store/sql.js';
import type { OperatorCall, TurnStep } from './alphabet.js';
import type { Decision } from './oracle.js';
import { plannerModel, type PlannerModel } from './planner-model.js';
import { productParts } from '../support/runtime-parts.js';

export const FIXED_NOW = new Date('2026-11-26T12:00:00.000Z');
const HOUR_MS = 3_600_000;

/** Refund confirmation on (I13, the default) or off (SUPPORT_CONFIRM_REFUNDS=never). */
export type SutProfile = 'confirm' | 'direct';

type Row = Record<string, unknown>;

/**
 * What a checkpoint keeps: the mutable rows whole (conversations, effects: a few per sequence) and,
 * for the append-only tables (events, tickets, refunds), how far they went; and the clock.
 */
export interface Checkpoint {
  conversations: Row[];
  effects: Row[];
  maxSeq: number;
  tickets: string[];
  refunds: string[];
  roles: Map<string, { id: string; token: string }>;
  hours: number;
}

export interface ProposalSeen {
  tool: string;
  decision: Decision;
  code: string | null;
  invariant: string | null;
}

export interface TurnSeen {
  proposals: ProposalSeen[];
  busy: boolean;
  reply: string;
  /** Model calls this turn made (counted by the scripted model itself). */
  modelCalls: number;
}

export interface RecordsSeen {
  refunds: string[];
  tickets: string[];
  status: string;
  state: string;
}

export interface Sut {
  profile: SutProfile;
  db: SqlDriver;
  runtime: Runtime;
  model: PlannerModel;
  /** Conversations by role ("main", "twin1", …). */
  conversations: Map<string, { id: string; token: string }>;
  /** Hours the clock has moved since FIXED_NOW. */
  hours: number;
  newConversation(role: string): Promise<void>;
  /** Sends one customer turn; `busy` when the conversation's lease was held (409). */
  send(role: string, step: TurnStep): Promise<{ busy: boolean; reply: string }>;
  /** The audit log's position for a conversation, to read what a turn recorded after it. */
  mark(): Promise<number>;
  /** Proposals recorded (I11) after `mark`, in order; also notes the machine transitions committed. */
  proposalsSince(role: string, mark: number): Promise<ProposalSeen[]>;
  /** Operator actions recorded after `mark`, in order. */
  operatorActionsSince(role: string, mark: number): Promise<Decision[]>;
  /** mark + send + proposalsSince. */
  turn(role: string, step: TurnStep): Promise<TurnSeen>;
  /** Operator actions on a conversation, one after the other or all at once: accepted, or refused (409). */
  operate(role: string, calls: OperatorCall[], together: boolean): Promise<Decision[]>;
  /** Sets the clock `hours` after FIXED_NOW (never backwards). */
  setHours(hours: number): void;
  /** The periodic sweep: pending effects, overdue approval requests. */
  sweep(): Promise<void>;
  restart(): Promise<void>;
  records(): Promise<RecordsSeen>;
  checkpoint(): Promise<Checkpoint>;
  restore(cp: Checkpoint): Promise<void>;
  /** Machine transitions the runtime committed ("from --event--> to"), for coverage. */
  transitions: Set<string>;
}

const REPLY = 'Hello, this is Alex from the support team. I am looking at your order now.';

/** Builds the SUT with one "main" conversation; checkpoint() right after gives the empty start. */
export async function createSut(profile: SutProfile = 'confirm'): Promise<Sut> {
  const db = createSqliteDriver(':memory:');
  await migrate(db);
  await seedDemoData(db, FIXED_NOW);
  const model = plannerModel();
  const clock = () => new Date(FIXED_NOW.getTime() + sut.hours * HOUR_MS);
  const build = () =>
    createRuntime({
      store: createSqlStore(db, clock),
      backends: createEmbeddedBackends(db, clock),
      model,
      policy: DEFAULT_POLICY,
      clock,
      retry: { retries: 2, baseDelayMs: 1, sleep: async () => {} },
      ...productParts(),
      confirmRefunds: profile === 'confirm',
    });
  const transitions = new Set<string>();
  const conv = (role: string) => {
    const c = sut.conversations.get(role);
    if (!c) throw new Error(`no conversation ${role}`);
    return c;
  };
  /** The open approval request as an operator's console shows it (id and digest), if any. */
  const openApproval = async (id: string) => {
    const rows = await db.all<Row>(
      "SELECT json_extract(snapshot, '$.context.approval') AS a FROM conversations WHERE id = ?",
      [id],
    );
    const raw = rows[0]?.a;
    if (typeof raw !== 'string') return null;
    const a = JSON.parse(raw) as { requestId: string; digest: string };
    return { requestId: a.requestId, digest: a.digest };
  };
  const toRuntimeAction = (
    c: OperatorCall,
    open: { requestId: string; digest: string } | null,
  ): RuntimeOperatorAction => {
    const a = c.action;
    if (a.op === 'reply') return { kind: 'reply', message: REPLY };
    if (a.op === 'takeover' || a.op === 'handback') return { kind: a.op };
    // "other": a real-looking id or digest that is not the open request's (one character off)
    const requestId = open?.requestId ?? 'apr_none';
    const digest = open?.digest ?? 'none';
    return {
      kind: a.op,
      requestId: a.request === 'open' ? requestId : `${requestId.slice(0, -1)}${requestId.endsWith('x') ? 'y' : 'x'}`,
      digest: a.digest === 'open' ? digest : `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`,
    };
  };

  const sut: Sut = {
    profile,
    db,
    runtime: undefined as unknown as Runtime,
    model,
    conversations: new Map(),
    transitions,
    hours: 0,
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
        "SELECT kind, payload FROM events WHERE conversation_id = ? AND seq > ? AND kind IN ('proposal', 'fact') " +
          'ORDER BY seq',
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
    async operatorActionsSince(role, mark) {
      const rows = await db.all<Row>(
        "SELECT payload FROM events WHERE conversation_id = ? AND seq > ? AND kind = 'operator_action' ORDER BY seq",
        [conv(role).id, mark],
      );
      return rows.map((r) =>
        (JSON.parse(String(r.payload)) as { decision?: string }).decision === 'accepted' ? 'accepted' : 'rejected',
      );
    },
    async turn(role, step) {
      const m = await sut.mark();
      const calls = model.calls;
      const { busy, reply } = await sut.send(role, step);
      return { busy, reply, modelCalls: model.calls - calls, proposals: await sut.proposalsSince(role, m) };
    },
    async operate(role, calls, together) {
      const { id } = conv(role);
      const open = await openApproval(id);
      const act = async (c: OperatorCall): Promise<Decision> => {
        try {
          await sut.runtime.operatorAct(id, { name: c.who, role: c.role }, toRuntimeAction(c, open));
          return 'accepted';
        } catch (error) {
          if (error instanceof OperatorConflictError) return 'rejected';
          throw error;
        }
      };
      if (together) return Promise.all(calls.map(act));
      const out: Decision[] = [];
      for (const c of calls) out.push(await act(c));
      return out;
    },
    setHours(hours) {
      sut.hours = Math.max(sut.hours, hours);
    },
    async sweep() {
      await sut.runtime.recoverPendingEffects();
    },
    async restart() {
      // a new process on the same database: new store, backends and runtime; pending effects first
      sut.runtime = build();
      await sut.runtime.recoverPendingEffects();
    },
    async records() {
      const rows = await db.all<Row>(
        `SELECT 'refund' AS k, order_id AS a, amount_cents AS b, conversation_id AS c FROM refunds
           WHERE conversation_id <> 'seed'
         UNION ALL SELECT 'ticket', priority, 0, conversation_id FROM tickets
         UNION ALL SELECT 'state', state, status, id FROM conversations WHERE id = ?`,
        [conv('main').id],
      );
      const role = new Map([...sut.conversations].map(([r, c]) => [c.id, r]));
      const name = (id: unknown) => role.get(String(id)) ?? String(id);
      const refunds: string[] = [];
      const tickets: string[] = [];
      let state = 'none';
      let status = 'none';
      for (const r of rows) {
        if (r.k === 'refund') refunds.push(`${String(r.a)}:${Number(r.b)}@${name(r.c)}`);
        else if (r.k === 'ticket') tickets.push(`${name(r.c)}:${String(r.a)}`);
        else {
          state = String(r.a);
          status = String(r.b);
        }
      }
      return { refunds: refunds.sort(), tickets: tickets.sort(), status, state };
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
        hours: sut.hours,
      };
    },
    async restore(cp) {
      const notIn = (column: string, ids: string[]) =>
        ids.length ? `${column} NOT IN (${ids.map(() => '?').join(', ')})` : '1 = 1';
      const reinsert = async (q: SqlQueryable, table: string, rows: Row[]) => {
        await q.run(`DELETE FROM ${table}`);
        const first = rows[0];
        if (!first) return;
        const cols = Object.keys(first);
        const tuple = `(${cols.map(() => '?').join(', ')})`;
        await q.run(
          `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`,
          rows.flatMap((r) => cols.map((c) => r[c] as SqlValue)),
        );
      };
      await db.tx(async (q) => {
        await reinsert(q, 'conversations', cp.conversations);
        await reinsert(q, 'effects', cp.effects);
        await q.run('DELETE FROM events WHERE seq > ?', [cp.maxSeq]);
        await q.run(`DELETE FROM tickets WHERE ${notIn('ticket_id', cp.tickets)}`, cp.tickets);
        await q.run(
          `DELETE FROM refunds WHERE conversation_id <> 'seed' AND ${notIn('refund_id', cp.refunds)}`,
          cp.refunds,
        );
      });
      sut.conversations = new Map(cp.roles);
      sut.hours = cp.hours;
    },
  };
  sut.runtime = build();
  await sut.newConversation('main');
  return sut;
}
