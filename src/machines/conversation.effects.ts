/**
 * The side effects the machine can ask for. The machine emits them as one named action, `effect`,
 * with these params; `transition()` returns them without running anything, and the runtime turns
 * each into an outbox row (by the effect module registered for its kind) in the same store
 * transaction as the new snapshot. A new kind here without a module is a compile error there.
 */
export type EffectParams =
  /** Refund `context.pendingRefund` (key `refund:<order>`). */
  | { kind: 'refund' }
  /** Open the ticket of `context.escalation` or of `context.approval`. */
  | { kind: 'ticket'; subject: 'escalation' | 'approval' }
  /** Send a one-time code for `context.challenge` (I16). */
  | { kind: 'verification_code' };

export type EffectKind = EffectParams['kind'];
export type EffectParamsOf<K extends EffectKind> = Extract<EffectParams, { kind: K }>;

export const EFFECT_KINDS = ['refund', 'ticket', 'verification_code'] as const satisfies readonly EffectKind[];
