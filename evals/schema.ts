/**
 * The evaluation scenarios are data (evals/scenarios/*.json); this is their schema. A scenario is
 * one customer (a persona), the messages they send (one conversation, several turns, and
 * optionally later conversations), and what must happen: the outcome, the refunds (order and
 * amount), the escalation (priority and reason), the tools where the order matters, what the
 * replies must say and what they must never say.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const OUTCOMES = ['refunded', 'escalated', 'explained', 'clarified_then_resolved', 'blocked'] as const;
export const PRIORITIES = ['P1', 'P2', 'P3'] as const;
export const ESCALATION_REASONS = [
  'policy_exception',
  'customer_distress',
  'tool_failure',
  'fraud_suspected',
  'complexity',
] as const;
export const REFUND_REASONS = ['damaged', 'not_received', 'wrong_item', 'changed_mind', 'billing_error'] as const;
export const TOOL_NAMES = [
  'get_customer',
  'verify_code',
  'lookup_order',
  'process_refund',
  'escalate_to_human',
] as const;
export const AWAITING_KINDS = ['confirmation', 'approval', 'code', 'person'] as const;
export const FAULT_POINTS = ['crm.findCustomerByEmail', 'orders.getOrder', 'payments.refund', 'tickets.open'] as const;

const OrderId = z.string().regex(/^ORD-\d+$/, 'an order id like ORD-8842');

/**
 * A customer message: plain text, or `{ "to_offer": "yes please" }`, the customer's answer to the refund offer
 * the previous reply made (I13). Answers are sent only while refunds are confirmed (the default); with
 * `--confirm never` there is no offer to answer and they are left out.
 */
export const MessageSchema = z.union([
  z.string().min(1).max(4000),
  z.object({
    to_offer: z.string().min(1).max(4000).describe("The customer's answer to the refund offer of the previous reply"),
  }),
]);

/** One alternative or a list of alternatives (any of them matches), case-insensitive. */
const Phrase = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const PersonaSchema = z.object({
  name: z.string().min(1).describe('Who is writing (a demo customer, or "anonymous")'),
  email: z.email().nullable().describe('The email on their account, null when they have none'),
  style: z.string().min(1).describe('How they write: terse, angry, rambling, adversarial…'),
});

export const FaultSchema = z
  .object({
    at: z.enum(FAULT_POINTS).describe('The backend call that misbehaves'),
    mode: z
      .enum(['error', 'decline'])
      .describe('error: throws (an outage); decline: the payment provider refuses (payments.refund only)'),
    times: z.number().int().positive().optional().describe('Only the first n calls misbehave; default: every call'),
  })
  .refine((f) => f.mode !== 'decline' || f.at === 'payments.refund', {
    message: 'decline applies to payments.refund only',
  });

export const ExpectSchema = z
  .object({
    outcome: z.enum(OUTCOMES),
    /** Counts toward first-contact resolution: the agent can resolve it without a human. */
    resolvable: z.boolean(),
    /** Exactly these refunds, over every conversation of the scenario (amount in USD). */
    refunds: z
      .array(
        z.object({
          order_id: OrderId,
          amount: z.number().positive(),
          reason: z.enum(REFUND_REASONS).optional().describe('The refund reason inferred from the customer’s words'),
        }),
      )
      .min(1)
      .optional(),
    /** No refund at all (the default when `refunds` is absent; say it where it is the point). */
    no_refund: z.literal(true).optional(),
    /** A ticket must be opened with this priority (and reason, when given). */
    escalation: z.object({ priority: z.enum(PRIORITIES), reason: z.enum(ESCALATION_REASONS).optional() }).optional(),
    /** An escalation is acceptable but not required (SEED 4: "the policy explained (or escalated)"). */
    allow_escalation: z.boolean().optional(),
    /** An ordered subsequence of the accepted tool calls (only where the order matters). */
    tools: z.array(z.enum(TOOL_NAMES)).min(1).optional(),
    /** Each entry must appear in the final reply; an entry that is a list matches if any of its strings does. */
    reply_includes: z.array(Phrase).optional(),
    /** Like reply_includes, over every reply of the scenario. */
    transcript_includes: z.array(Phrase).optional(),
    /** Never in anything the customer sees (replies, streamed text, events), case-insensitive. */
    never_say: z.array(z.string().min(1)).optional(),
    final_status: z.enum(['open', 'resolved', 'escalated']).optional(),
    /** What the conversation waits for at the end (the last turn's `awaiting`): null for nothing. */
    awaiting: z
      .union([
        z.null(),
        z.object({
          kind: z.enum(AWAITING_KINDS),
          order_id: OrderId.optional(),
          amount: z.number().positive().optional().describe('USD, as in the offer or the approval request'),
        }),
      ])
      .optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (e.refunds && e.no_refund) issue('refunds and no_refund contradict each other');
    if ((e.outcome === 'refunded' || e.outcome === 'clarified_then_resolved') && !e.refunds && !e.reply_includes)
      issue(`${e.outcome} needs refunds (or reply_includes for a resolution without a refund)`);
    if (e.outcome === 'refunded' && !e.refunds) issue('refunded needs refunds');
    if (e.outcome === 'escalated' && !e.escalation) issue('escalated needs escalation');
    if (e.outcome === 'explained' && (e.refunds || e.escalation))
      issue('explained means no refund and no required escalation');
    if (e.outcome === 'blocked' && e.refunds) issue('blocked means the request was refused: no refunds');
    if (e.resolvable && e.escalation)
      issue('resolvable means resolved without a human: it cannot require an escalation');
    if (e.escalation && e.allow_escalation) issue('allow_escalation is for scenarios where an escalation is optional');
  });

export const ScenarioSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'kebab-case id'),
    title: z.string().min(1),
    tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
    persona: PersonaSchema,
    /** The customer's messages of the first conversation, one per turn. */
    messages: z.array(MessageSchema).min(1),
    /** Later conversations of the same customer (same store): each a list of turns. */
    followups: z.array(z.array(MessageSchema).min(1)).optional(),
    /** The scenario is about the refund offer itself (I13): it is skipped with `--confirm never`. */
    needs_confirmation: z.literal(true).optional(),
    /**
     * Hand-labelled: words of the trigger list appear here but are not triggers (a person named Sue,
     * "my manager bought it", "not a scam"). The checker's keyword rule for I6 then yields to this
     * label; the expectation (no escalation, resolved) is what is checked.
     */
    trigger_words_not_triggers: z.literal(true).optional(),
    /** Backend faults injected in-process (skipped against a server URL). */
    faults: z.array(FaultSchema).optional(),
    expect: ExpectSchema,
  })
  .superRefine((s, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (s.expect.outcome === 'clarified_then_resolved' && s.messages.length < 2)
      issue('clarified_then_resolved needs at least two turns');
    for (const conv of [s.messages, ...(s.followups ?? [])])
      if (typeof conv[0] !== 'string') issue('a conversation cannot open with an answer to an offer');
    const kind = s.expect.awaiting?.kind;
    if (kind === 'confirmation' && !s.needs_confirmation) issue('an offer left standing needs needs_confirmation');
  });

export type Scenario = z.infer<typeof ScenarioSchema>;
export type Expect = z.infer<typeof ExpectSchema>;
export type Fault = z.infer<typeof FaultSchema>;
export type PhraseSpec = z.infer<typeof Phrase>;
export type Message = z.infer<typeof MessageSchema>;

/** The text a message sends. */
export const textOf = (m: Message): string => (typeof m === 'string' ? m : m.to_offer);
/** Is this message the customer's answer to a refund offer? */
export const isOfferAnswer = (m: Message): m is { to_offer: string } => typeof m !== 'string';

/**
 * The conversations a scenario plays, each a list of turns: with refund confirmation off, the answers to
 * offers are left out (nothing is offered, the refund is made at once).
 */
export function conversationsOf(s: Scenario, confirmRefunds: boolean): Message[][] {
  return [s.messages, ...(s.followups ?? [])].map((c) => (confirmRefunds ? c : c.filter((m) => !isOfferAnswer(m))));
}

export const ScenarioFileSchema = z.object({
  $comment: z.string().optional(),
  scenarios: z.array(ScenarioSchema).min(1),
});

export const SCENARIO_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url));

/** Loads and validates every scenario file; ids must be unique across files. Throws with every problem listed. */
export function loadScenarios(dir: string = SCENARIO_DIR): Array<Scenario & { file: string }> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const out: Array<Scenario & { file: string }> = [];
  const problems: string[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = ScenarioFileSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push(`${file}: ${i.path.join('.')}: ${i.message}`);
      continue;
    }
    for (const s of parsed.data.scenarios) out.push({ ...s, file });
  }
  const seen = new Map<string, string>();
  for (const s of out) {
    const prev = seen.get(s.id);
    if (prev) problems.push(`duplicate scenario id ${s.id} (${prev} and ${s.file})`);
    seen.set(s.id, s.file);
  }
  if (problems.length) throw new Error(`invalid scenarios:\n  ${problems.join('\n  ')}`);
  return out;
}

/** "05-multi-turn.json" → "multi-turn" (files are numbered to fix the run order). */
export const fileTheme = (file: string) => file.replace(/\.json$/, '').replace(/^\d+-/, '');

/** A filter matches a scenario by id substring, by tag, or by file name (comma-separated: any). */
export function matchesFilter(s: Scenario & { file?: string }, filter: string | undefined): boolean {
  if (!filter) return true;
  return filter
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean)
    .some(
      (f) =>
        s.id.includes(f) ||
        s.tags.includes(f) ||
        fileTheme(s.file ?? '') === f ||
        (s.file ?? '').replace(/\.json$/, '') === f,
    );
}
