/** The outcome of each effect kind, as tools and views read them (types only). */

export type RefundOutcome =
  | { kind: 'refund'; status: 'done'; refundId: string; orderId: string; amountCents: number; processedAt: string }
  | { kind: 'refund'; status: 'failed' | 'unknown'; orderId: string };

export type TicketOutcome =
  | { kind: 'ticket'; status: 'done'; ticketId: string; priority: string; subject: 'escalation' | 'approval' }
  | { kind: 'ticket'; status: 'unknown' };

export type VerificationCodeOutcome =
  | { kind: 'verification_code'; status: 'done'; codeHash: string; salt: string; expiresAt: string }
  | { kind: 'verification_code'; status: 'unknown' };

export type EffectOutcome = RefundOutcome | TicketOutcome | VerificationCodeOutcome;
