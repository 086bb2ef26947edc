/**
 * The embedded backends: CRM, orders, payments and tickets as tables on the store's database.
 * Payments are idempotent by key and unique per order (the database enforces both).
 */
import { randomUUID } from 'node:crypto';
import type { SqlDriver } from '../../store/sql.js';
import type {
  Backends,
  Mailbox,
  Mailer,
  SentMail,
  CustomerRecord,
  OrderRecord,
  RefundRecord,
  RefundRequest,
  TicketRecord,
  TicketRequest,
} from '../types.js';
import { PaymentDeclinedError } from '../types.js';

type Row = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toCustomer(r: Row): CustomerRecord {
  return {
    customerId: str(r.customer_id),
    name: str(r.name),
    email: str(r.email),
    status: str(r.status) as CustomerRecord['status'],
    openCaseCount: Number(r.open_case_count),
  };
}

function toOrder(r: Row): OrderRecord {
  return {
    orderId: str(r.order_id),
    customerId: str(r.customer_id),
    amountCents: Number(r.amount_cents),
    status: str(r.status) as OrderRecord['status'],
    kind: str(r.kind) as OrderRecord['kind'],
    description: str(r.description),
    orderedAt: str(r.ordered_at),
    deliveredAt: strOrNull(r.delivered_at),
  };
}

function toRefund(r: Row): RefundRecord {
  return {
    refundId: str(r.refund_id),
    orderId: str(r.order_id),
    customerId: str(r.customer_id),
    amountCents: Number(r.amount_cents),
    reason: str(r.reason),
    conversationId: str(r.conversation_id),
    idempotencyKey: str(r.idempotency_key),
    createdAt: str(r.created_at),
  };
}

function toTicket(r: Row): TicketRecord {
  return {
    ticketId: str(r.ticket_id),
    priority: str(r.priority) as TicketRecord['priority'],
    reason: str(r.reason),
    context: str(r.context),
    customerId: strOrNull(r.customer_id),
    orderId: strOrNull(r.order_id),
    conversationId: str(r.conversation_id),
    approvalRequestId: strOrNull(r.approval_request_id),
    createdAt: str(r.created_at),
  };
}

function toMail(r: Row): SentMail {
  return {
    messageId: str(r.message_id),
    idempotencyKey: str(r.idempotency_key),
    to: str(r.to_address),
    subject: str(r.subject),
    text: str(r.body),
    sentAt: str(r.sent_at),
  };
}

/** The development mailbox: mail is stored, never sent (read it at GET /api/operator/mailbox). */
export function createEmbeddedMailbox(db: SqlDriver, clock: () => Date = () => new Date()): Mailer & Mailbox {
  return {
    async send(message) {
      await db.run(
        `INSERT INTO mailbox (message_id, idempotency_key, to_address, subject, body, sent_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [shortId('MAIL'), message.idempotencyKey, message.to, message.subject, message.text, clock().toISOString()],
      );
      const rows = await db.all<Row>('SELECT message_id FROM mailbox WHERE idempotency_key = ?', [
        message.idempotencyKey,
      ]);
      return { messageId: str(rows[0]?.message_id) };
    },
    async list(filter = {}) {
      const limit = Math.max(1, Math.min(500, Math.floor(filter.limit ?? 100)));
      const rows = filter.to
        ? await db.all<Row>(
            `SELECT * FROM mailbox WHERE lower(to_address) = lower(?) ORDER BY sent_at DESC, message_id LIMIT ${limit}`,
            [filter.to],
          )
        : await db.all<Row>(`SELECT * FROM mailbox ORDER BY sent_at DESC, message_id LIMIT ${limit}`);
      return rows.map(toMail);
    },
  };
}

const shortId = (prefix: string) => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

/** Creates the embedded backends on a database already migrated (see createSqlStore). */
export function createEmbeddedBackends(
  db: SqlDriver,
  clock: () => Date = () => new Date(),
  mailer: Mailer = createEmbeddedMailbox(db, clock),
): Backends {
  return {
    mailer,
    crm: {
      async findCustomerByEmail(email) {
        const rows = await db.all<Row>('SELECT * FROM customers WHERE lower(email) = lower(?)', [email.trim()]);
        return rows[0] ? toCustomer(rows[0]) : null;
      },
      async getCustomer(customerId) {
        const rows = await db.all<Row>('SELECT * FROM customers WHERE customer_id = ?', [customerId]);
        return rows[0] ? toCustomer(rows[0]) : null;
      },
    },
    orders: {
      async getOrder(orderId) {
        const rows = await db.all<Row>('SELECT * FROM orders WHERE upper(order_id) = upper(?)', [orderId.trim()]);
        return rows[0] ? toOrder(rows[0]) : null;
      },
    },
    payments: {
      async refund(req: RefundRequest) {
        await db.run(
          `INSERT INTO refunds (refund_id, order_id, customer_id, amount_cents, reason, conversation_id,
             idempotency_key,
             created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [
            shortId('RF'),
            req.orderId,
            req.customerId,
            req.amountCents,
            req.reason,
            req.conversationId,
            req.idempotencyKey,
            clock().toISOString(),
          ],
        );
        const byKey = await db.all<Row>('SELECT * FROM refunds WHERE idempotency_key = ?', [req.idempotencyKey]);
        if (byKey[0]) return toRefund(byKey[0]);
        // the order was refunded under another key: the provider refuses a second refund
        throw new PaymentDeclinedError('order already refunded');
      },
      async findRefundByOrder(orderId) {
        const rows = await db.all<Row>('SELECT * FROM refunds WHERE order_id = ?', [orderId]);
        return rows[0] ? toRefund(rows[0]) : null;
      },
      async listRefunds(filter) {
        const rows = filter?.conversationId
          ? await db.all<Row>('SELECT * FROM refunds WHERE conversation_id = ? ORDER BY created_at, refund_id', [
              filter.conversationId,
            ])
          : await db.all<Row>('SELECT * FROM refunds ORDER BY created_at, refund_id');
        return rows.map(toRefund);
      },
    },
    tickets: {
      async open(req: TicketRequest) {
        await db.run(
          `INSERT INTO tickets (ticket_id, idempotency_key, priority, reason, context, customer_id, order_id,
             conversation_id, approval_request_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [
            shortId('TKT'),
            req.idempotencyKey,
            req.priority,
            req.reason,
            req.context,
            req.customerId,
            req.orderId,
            req.conversationId,
            req.approvalRequestId ?? null,
            clock().toISOString(),
          ],
        );
        const rows = await db.all<Row>('SELECT * FROM tickets WHERE idempotency_key = ?', [req.idempotencyKey]);
        if (!rows[0]) throw new Error('ticket insert failed');
        return toTicket(rows[0]);
      },
      async listTickets(filter) {
        const rows = filter?.conversationId
          ? await db.all<Row>('SELECT * FROM tickets WHERE conversation_id = ? ORDER BY created_at, ticket_id', [
              filter.conversationId,
            ])
          : await db.all<Row>('SELECT * FROM tickets ORDER BY created_at, ticket_id');
        return rows.map(toTicket);
      },
    },
  };
}
