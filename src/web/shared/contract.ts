/**
 * What the pages read from the API, typed against the API's own zod schemas (type-only imports:
 * esbuild strips them, nothing of zod reaches the bundle). Where the contract of issue 13 is
 * ahead of src/api/schemas.ts (awaiting, operator messages, live events, operator views), the
 * missing members are declared here; once the schemas carry them these become plain z.infer.
 */
import type { z } from '@hono/zod-openapi';
import type {
  ConversationViewSchema,
  RefundSchema,
  TicketSchema,
  TurnEventSchema,
  TurnResultSchema,
} from '../../api/schemas.js';

export type Status = 'open' | 'resolved' | 'escalated';
export type Role = 'customer' | 'agent' | 'operator' | 'system';

/** What the conversation waits for: the customer's yes to an offer, or a supervisor's approval. */
export type Awaiting =
  | null
  | { kind: 'confirmation'; offer_id: string; order_id: string; amount: number; text: string }
  | { kind: 'approval'; order_id: string; amount: number };

export interface ChatMessage {
  role: Role;
  text: string;
  at: string;
  /** Display name of the person, for operator messages. */
  author?: string;
}

type BaseView = z.infer<typeof ConversationViewSchema>;
export type TurnEvent = z.infer<typeof TurnEventSchema>;
export type TurnResult = Omit<z.infer<typeof TurnResultSchema>, 'awaiting'> & { awaiting?: Awaiting };
export type ConversationView = Omit<BaseView, 'messages' | 'awaiting'> & {
  messages: ChatMessage[];
  awaiting?: Awaiting;
};
export type Proposal = BaseView['proposals'][number];
export type ConversationRefund = BaseView['refunds'][number];
export type Refund = z.infer<typeof RefundSchema>;
export type Ticket = z.infer<typeof TicketSchema>;

export interface NewConversation {
  conversation_id: string;
  token: string;
  state: string;
}

export interface RefundEvent {
  order_id: string;
  amount: number;
  status: 'processed' | 'confirming' | 'declined';
  refund_id?: string;
}

export interface StateEvent {
  state: string;
  status: Status;
  awaiting: Awaiting;
}

export interface OperatorMe {
  name: string;
  role: 'agent' | 'supervisor';
}

export interface Approval {
  request_id: string;
  digest: string;
  order_id: string;
  amount: number;
  deadline: string;
}

export interface QueueItem {
  conversation_id: string;
  kind: 'ticket' | 'approval' | 'takeover';
  priority: 'P1' | 'P2' | 'P3';
  reason: string;
  state: string;
  waiting_since: string;
  wait_seconds: number;
  ticket_id: string | null;
  approval: Approval | null;
}

export interface OperatorView {
  conversation_id: string;
  state: string;
  status: Status;
  messages: ChatMessage[];
  proposals: Proposal[];
  refunds: ConversationRefund[];
  tickets: BaseView['tickets'];
  approval: Approval | null;
  takeover: { operator: string; since: string } | null;
  allowed: string[];
}

/** The operator events the console offers buttons for (exactly those in `allowed`). */
export type OperatorEvent =
  | 'operator.approve'
  | 'operator.deny'
  | 'operator.takeover'
  | 'operator.reply'
  | 'operator.handback'
  | 'operator.resolve';
