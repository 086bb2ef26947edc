/**
 * `npm run operator -- add <name> --role agent|supervisor`, `list`, `revoke <name>`: operator accounts on the
 * configured store (SUPPORT_DATA_DIR or DATABASE_URL). A new token is printed once; only its hash is stored.
 */
import { OPERATOR_ROLES, type OperatorRole } from '../machines/conversation.context.js';
import type { OperatorAccounts } from './types.js';

export async function operatorCommand(
  accounts: OperatorAccounts,
  args: string[],
  out: (line: string) => void,
): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'add') {
    const roleAt = rest.indexOf('--role');
    const role = roleAt >= 0 ? rest[roleAt + 1] : 'agent';
    const name = rest
      .filter((_, i) => i !== roleAt && i !== roleAt + 1)
      .join(' ')
      .trim();
    if (!name) return usage(out);
    if (!OPERATOR_ROLES.some((r) => r === role)) {
      out(`--role must be one of: ${OPERATOR_ROLES.join(', ')}`);
      return 2;
    }
    const { account, token } = await accounts.add(name, role as OperatorRole);
    out(`added ${account.role} ${account.name}`);
    out(`token (shown once; keep it secret): ${token}`);
    return 0;
  }
  if (command === 'list') {
    const all = await accounts.list();
    if (all.length === 0) out('no operators (SUPPORT_ADMIN_TOKEN, when set, is the supervisor "admin")');
    for (const a of all)
      out(`${a.name}\t${a.role}\t${a.revokedAt ? `revoked ${a.revokedAt}` : `active since ${a.createdAt}`}`);
    return 0;
  }
  if (command === 'revoke') {
    const name = rest.join(' ').trim();
    if (!name) return usage(out);
    const done = await accounts.revoke(name);
    out(done ? `revoked ${name}` : `no active operator named ${name}`);
    return done ? 0 : 1;
  }
  return usage(out);
}

function usage(out: (line: string) => void): number {
  out('usage: npm run operator -- add <name> [--role agent|supervisor] | list | revoke <name>');
  return 2;
}
