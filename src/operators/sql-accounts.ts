/** Operator accounts on the store's database: tokens of 256 random bits, stored as SHA-256 hashes, shown once. */
import { createHash, randomBytes } from 'node:crypto';
import { OPERATOR_ROLES, type OperatorRole } from '../machines/conversation.context.js';
import type { SqlDriver } from '../store/sql.js';
import type { OperatorAccount, OperatorAccounts } from './types.js';

type Row = Record<string, unknown>;
const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const asRole = (v: unknown): OperatorRole => OPERATOR_ROLES.find((r) => r === v) ?? 'agent';

const toAccount = (r: Row): OperatorAccount => ({
  name: String(r.name),
  role: asRole(r.role),
  createdAt: String(r.created_at),
  revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : String(r.revoked_at),
});

export const OPERATOR_NAME = /^[A-Za-z][A-Za-z0-9 ._-]{0,63}$/;

export function createSqlOperatorAccounts(db: SqlDriver, clock: () => Date = () => new Date()): OperatorAccounts {
  return {
    async add(name, role) {
      if (!OPERATOR_NAME.test(name))
        throw new Error('an operator name is 1-64 letters, digits, spaces, ".", "_" or "-"');
      if (name.toLowerCase() === 'admin') throw new Error('"admin" is the name of SUPPORT_ADMIN_TOKEN');
      const token = `op_${randomBytes(32).toString('base64url')}`;
      const now = clock().toISOString();
      const existing = await db.all<Row>('SELECT name FROM operators WHERE name = ?', [name]);
      if (existing.length) {
        // a revoked operator can be added again with a new token
        const { changes } = await db.run(
          'UPDATE operators SET role = ?, token_hash = ?, created_at = ?, revoked_at ' +
            '= NULL WHERE name = ? AND revoked_at IS NOT NULL',
          [role, hash(token), now, name],
        );
        if (changes !== 1) throw new Error(`operator ${name} already exists (revoke it first)`);
      } else {
        await db.run('INSERT INTO operators (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)', [
          name,
          role,
          hash(token),
          now,
        ]);
      }
      return { account: { name, role, createdAt: now, revokedAt: null }, token };
    },
    async list() {
      return (await db.all<Row>('SELECT * FROM operators ORDER BY created_at, name')).map(toAccount);
    },
    async revoke(name) {
      const { changes } = await db.run('UPDATE operators SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL', [
        clock().toISOString(),
        name,
      ]);
      return changes === 1;
    },
    async authenticate(token) {
      const rows = await db.all<Row>('SELECT * FROM operators WHERE token_hash = ? AND revoked_at IS NULL', [
        hash(token),
      ]);
      const row = rows[0];
      return row ? { name: String(row.name), role: asRole(row.role) } : null;
    },
  };
}
