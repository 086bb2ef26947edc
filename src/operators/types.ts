/** Operators: named people of the support team with a role, each with their own bearer token (stored hashed). */
import type { OperatorRole } from '../machines/conversation.context.js';

export interface Operator {
  name: string;
  role: OperatorRole;
}

export interface OperatorAccount extends Operator {
  createdAt: string;
  revokedAt: string | null;
}

export interface OperatorAccounts {
  /** Creates an operator; the token is returned once (only its hash is kept). */
  add(name: string, role: OperatorRole): Promise<{ account: OperatorAccount; token: string }>;
  list(): Promise<OperatorAccount[]>;
  /** Revokes an operator's token; false when there is no such active operator. */
  revoke(name: string): Promise<boolean>;
  authenticate(token: string): Promise<Operator | null>;
}

/** Who a bearer token belongs to (accounts, and SUPPORT_ADMIN_TOKEN as the supervisor `admin`). */
export interface OperatorDirectory {
  authenticate(token: string): Promise<Operator | null>;
}
