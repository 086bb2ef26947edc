/**
 * What the pages read from the API, typed against the API's own zod schemas (type-only imports:
 * esbuild strips them, nothing of zod reaches the bundle). The few answers src/api/schemas.ts does
 * not export a schema for (the new conversation, /api/operator/me, the live events) are declared
 * here from the routes that send them (src/api/conversations.ts, operators.ts, runtime/live.ts).
 */
import type { z } from '@hono/zod-openapi';
import type {
  ApprovalSchema,
  AwaitingSchema,
  ConversationViewSchema,
  OperatorViewSchema,
  QueueSchema,
  TurnEventSchema,
  TurnResultSchema,
} from '../../api/schemas.js';

export type ConversationView = z.infer<typeof ConversationViewSchema>;
export type TurnResult = z.infer<typeof TurnResultSchema>;
export type TurnEvent = z.infer<typeof TurnEventSchema>;
/** What the conversation waits for: the customer's yes, a supervisor, a one-time code, a person; or null. */
export type Awaiting = z.infer<typeof AwaitingSchema>;
export type Status = ConversationView['status'];
export type ChatMessage = ConversationView['messages'][number];
export type Role = ChatMessage['role'];
export type Proposal = ConversationView['proposals'][number];
export type ConversationRefund = ConversationView['refunds'][number];

export type OperatorView = z.infer<typeof OperatorViewSchema>;
export type Approval = z.infer<typeof ApprovalSchema>;
export type QueueItem = z.infer<typeof QueueSchema>['items'][number];

/** 201 of POST /api/conversations (an inline schema in src/api/conversations.ts). */
export interface NewConversation {
  conversation_id: string;
  token: string;
  state: string;
}

/** GET /api/operator/me (an inline schema in src/api/operators.ts). */
export interface OperatorMe {
  name: string;
  role: 'agent' | 'supervisor';
}

/** Live `message` event: a view message, plus the notice's topic (takeover, handback, approval, resolved). */
export type LiveMessage = ChatMessage & { topic?: string };

/** Live `state` event (runtime/live.ts: `status` is null when the stored fact did not carry one). */
export interface StateEvent {
  state: string;
  status: Status | null;
  awaiting: Awaiting;
}

/** Live `refund` event, as the chat shows it. */
export interface RefundEvent {
  order_id: string;
  amount: number;
  status: 'processed' | 'confirming' | 'declined';
  refund_id?: string;
}

/** The operator events the console offers buttons for (exactly those in `allowed`). */
export type OperatorEvent =
  | 'operator.approve'
  | 'operator.deny'
  | 'operator.takeover'
  | 'operator.reply'
  | 'operator.handback'
  | 'operator.resolve';
