/**
 * The company systems the agent plugs into, as interfaces. The embedded implementation lives in
 * ./embedded; a company adapter implements these four and is named only in main.ts.
 */
import type { OrderKind, OrderStatus } from '../policy.js';

export interface CustomerRecord {
  customerId: string;
  name: string;
  email: string;
  status: 'active' | 'suspended' | 'closed';
  openCaseCount: number;
}

export interface OrderRecord {
  orderId: string;
  customerId: string;
  amountCents: number;
  status: OrderStatus;
  kind: OrderKind;
  description: string;
  orderedAt: string;
  deliveredAt: string | null;
}

export interface RefundRecord {
  refundId: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  reason: string;
  conversationId: string;
  idempotencyKey: string;
  createdAt: string;
}

export interface TicketRecord {
  ticketId: string;
  /** The approval request this ticket asks a supervisor to decide, if any (I14). */
  approvalRequestId?: string | null;
  priority: 'P1' | 'P2' | 'P3';
  reason: string;
  context: string;
  customerId: string | null;
  orderId: string | null;
  conversationId: string;
  createdAt: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  reason: string;
  conversationId: string;
}

export interface TicketRequest {
  idempotencyKey: string;
  approvalRequestId?: string | null;
  priority: 'P1' | 'P2' | 'P3';
  reason: string;
  context: string;
  customerId: string | null;
  orderId: string | null;
  conversationId: string;
}

export interface Crm {
  findCustomerByEmail(email: string): Promise<CustomerRecord | null>;
  getCustomer(customerId: string): Promise<CustomerRecord | null>;
}

export interface Orders {
  getOrder(orderId: string): Promise<OrderRecord | null>;
}

export interface Payments {
  /**
   * Refunds once per idempotency key: a repeated call with the same key returns the first refund.
   * Throws PaymentDeclinedError when the provider definitively refuses; any other error means the
   * outcome is unknown and the call must be repeated with the same key to reconcile (I8).
   */
  refund(request: RefundRequest): Promise<RefundRecord>;
  findRefundByOrder(orderId: string): Promise<RefundRecord | null>;
  listRefunds(filter?: { conversationId?: string }): Promise<RefundRecord[]>;
}

export interface Tickets {
  /** Opens a ticket once per idempotency key. */
  open(request: TicketRequest): Promise<TicketRecord>;
  listTickets(filter?: { conversationId?: string }): Promise<TicketRecord[]>;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Sending twice with one key sends once. */
  idempotencyKey: string;
}

export interface SentMail extends MailMessage {
  messageId: string;
  sentAt: string;
}

/** Outgoing mail (one-time codes). The embedded one is a development mailbox; SMTP_URL selects nodemailer. */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
}

/** A development mailbox that can be read back (GET /api/operator/mailbox, npm run chat). */
export interface Mailbox {
  list(filter?: { to?: string; limit?: number }): Promise<SentMail[]>;
}

export interface Backends {
  crm: Crm;
  orders: Orders;
  payments: Payments;
  tickets: Tickets;
  mailer: Mailer;
}

/** A definitive refusal by the payment provider (not an unknown outcome). */
export class PaymentDeclinedError extends Error {
  constructor(message = 'payment declined') {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}
