/**
 * Counts what SEED scenario 1 costs inside the runtime: store transactions (commits, appends,
 * lease and claim updates), full reads of the event log, and SQL statements. Run:
 *   npx tsx bench/seed1-counts.ts            (add NODE_V8_COVERAGE=dir to count the src files crossed)
 * SEED1_CONFIRM=1 runs it as the product does by default: the refund offer, then the customer's yes.
 * `writes` counts every write to the database: transactions plus writes outside one (autocommit),
 * each of which is its own transaction (a WAL commit on SQLite, a round trip on PostgreSQL).
 */
import { takeCoverage } from 'node:v8';
import { createOfflineModel } from '../src/models/offline.js';
import type { ConversationStore } from '../src/store/types.js';
import { createHarness } from '../test/support/harness.js';

const SCENARIO_1 = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
const CONFIRM = 'Yes, please go ahead.';

const counts: Record<string, number> = {};
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

const h = await createHarness(createOfflineModel(), { runtime: { confirmRefunds: process.env.SEED1_CONFIRM === '1' } });
const store = h.runtime.store as ConversationStore & Record<string, unknown>;
for (const name of Object.keys(store)) {
  const original = store[name];
  if (typeof original !== 'function') continue;
  store[name] = (...args: unknown[]) => {
    bump(`store.${name}`);
    return (original as (...a: unknown[]) => unknown).apply(store, args);
  };
}
const db = h.db as unknown as Record<string, (...a: unknown[]) => unknown>;
let inTx = 0;
const isWrite = (sql: unknown) =>
  typeof sql === 'string' && /^\s*(INSERT|UPDATE|DELETE|WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b)/i.test(sql);
for (const name of ['all', 'run', 'tx']) {
  const original = db[name]!;
  db[name] = (...args: unknown[]) => {
    bump(`sql.${name}`);
    if (name === 'tx') {
      inTx++;
      return (original.apply(h.db, args) as Promise<unknown>).finally(() => inTx--);
    }
    if (inTx === 0 && isWrite(args[0])) bump('sql.write outside a transaction');
    return original.apply(h.db, args);
  };
}
const c = await h.runtime.createConversation();
for (const k of Object.keys(counts)) delete counts[k];
// with NODE_V8_COVERAGE set, the coverage written next covers the turn(s) alone
if (process.env.NODE_V8_COVERAGE) takeCoverage();
const r = await h.runtime.sendMessage(c.conversation_id, c.token, SCENARIO_1);
let turns = 1;
if (r.state === 'awaiting-confirmation') {
  await h.runtime.sendMessage(c.conversation_id, c.token, CONFIRM);
  turns++;
}
if (process.env.NODE_V8_COVERAGE) takeCoverage();
const view = await h.runtime.getConversation(c.conversation_id, c.token);
const transactions = counts['sql.tx'] ?? 0;
const writes = transactions + (counts['sql.write outside a transaction'] ?? 0);
const logReads = counts['store.listEvents'] ?? 0;
console.log(
  JSON.stringify(
    { turns, finalState: view.state, refunds: view.refunds.length, transactions, writes, logReads, counts },
    null,
    2,
  ),
);
await h.close();
