/**
 * What the runtime reports about its work (turns, model calls, machine decisions, refunds,
 * escalations). Pure types and a no-op implementation, no library imports: the adapter over
 * pino + prom-client + OpenTelemetry is src/observability/telemetry.ts, passed in by main.ts.
 */

export interface TelemetrySpan {
  /**
   * Adds attributes to the current span. Content (customer or model text) goes under
   * `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.tool.call.arguments` or
   * `gen_ai.tool.call.result`: the adapter drops those unless content capture is enabled.
   */
  setAttributes(a: Record<string, string | number | boolean>): void;
  recordError(e: unknown): void;
}

export interface Telemetry {
  /** Wraps one turn (one customer message): the `invoke_agent` span. */
  turn<T>(a: { conversationId: string; turn: number; model: string }, fn: (s: TelemetrySpan) => Promise<T>): Promise<T>;
  /** Wraps one model call inside a turn: the `chat <model>` span. */
  modelCall<T>(
    a: { conversationId: string; model: string; call: number },
    fn: (s: TelemetrySpan) => Promise<T>,
  ): Promise<T>;
  /** One machine decision on a proposal (I11): a log line, a counter and an `execute_tool <name>` span. */
  proposal(a: {
    conversationId: string;
    toolUseId: string;
    tool: string;
    state: string;
    decision: 'accepted' | 'rejected';
    code: string | null;
    invariant: string | null;
    source: 'model' | 'mcp' | 'operator';
  }): void;
  /** One model call's outcome; call it inside `modelCall` so the usage lands on its span too. */
  modelUsage(a: {
    model: string;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    latencyMs: number;
    ok: boolean;
  }): void;
  refund(a: { status: 'done' | 'failed' | 'unknown'; amountCents: number }): void;
  escalation(a: { priority: string; reason: string; source: string }): void;
  /** Call it inside `turn`, once the turn's outcome is known. */
  turnEnded(a: { conversationId: string; state: string; status: string; modelCalls: number; durationMs: number }): void;
}

const noSpan: TelemetrySpan = { setAttributes: () => {}, recordError: () => {} };

/** Reports nothing (tests, the CLI). */
export const noTelemetry: Telemetry = {
  turn: (_a, fn) => fn(noSpan),
  modelCall: (_a, fn) => fn(noSpan),
  proposal: () => {},
  modelUsage: () => {},
  refund: () => {},
  escalation: () => {},
  turnEnded: () => {},
};
