/** Who an operator token belongs to: an account, or SUPPORT_ADMIN_TOKEN (the supervisor `admin`). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Operator, OperatorAccounts, OperatorDirectory } from './types.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function createOperatorDirectory(options: {
  accounts?: OperatorAccounts;
  adminToken?: string | null;
}): OperatorDirectory {
  const admin = options.adminToken ? digest(options.adminToken) : null;
  return {
    async authenticate(token: string): Promise<Operator | null> {
      if (admin && timingSafeEqual(digest(token), admin)) return { name: 'admin', role: 'supervisor' };
      return options.accounts ? options.accounts.authenticate(token) : null;
    },
  };
}
