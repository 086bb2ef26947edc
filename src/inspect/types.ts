/** The data contract between the store and the inspection modules: one conversation's facts. */

/** One committed machine event, as the engine logs it (`kind: 'fact'`, `payload: { event, from, to }`). */
export interface Fact {
  seq: number;
  /** When it was committed (ISO 8601, the store's `createdAt`). */
  at: string;
  event: { type: string } & Record<string, unknown>;
  from: string;
  to: string;
}

export interface ConversationLog {
  conversationId: string;
  /** The machine input the conversation was created with. */
  input: Record<string, unknown>;
  /** Every fact in commit order. */
  facts: Fact[];
  /** The stored (current) state value, for replay comparison. */
  storedState: string;
}
