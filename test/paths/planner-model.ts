/**
 * The scripted model of the paths suite, stateless per turn: a customer text carries "(ref n)";
 * the model answers the latest customer text with the tool calls planned under n, and a tool
 * result with a closing text. Concurrent and restarted turns need no model state.
 *
 * It also counts its calls, and the calls made while the conversation was human-active (I15:
 * there must be none), so the suite can check that a person in charge really is in charge.
 */
import type { AssistantBlock, Model, ModelRequest, ModelResponse } from '../../src/models/types.js';
import { ZERO_USAGE } from '../../src/models/types.js';
import type { TurnStep } from './alphabet.js';

export interface PlannerModel extends Model {
  plan(step: TurnStep): number;
  /** Calls so far. */
  readonly calls: number;
  /** Calls whose request said the conversation was human-active (I15: always 0). */
  readonly callsWhileHumanActive: number;
}

const REF = /\(ref (\d+)\)/g;

/** Texts the model is asked to answer with proposals are tagged "(ref n)"; the plan is looked up by n. */
export function plannerModel(): PlannerModel {
  const plans = new Map<number, TurnStep>();
  let nextRef = 0;
  let nextId = 0;
  let calls = 0;
  let callsWhileHumanActive = 0;
  const reply = (content: AssistantBlock[]): ModelResponse => ({
    content,
    stopReason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
    usage: { ...ZERO_USAGE },
  });
  return {
    name: 'planner',
    get calls() {
      return calls;
    },
    get callsWhileHumanActive() {
      return callsWhileHumanActive;
    },
    plan(step) {
      plans.set(++nextRef, step);
      return nextRef;
    },
    async next(req: ModelRequest) {
      calls++;
      if (req.facts.state === 'human-active') callsWhileHumanActive++;
      const last = req.messages[req.messages.length - 1];
      if (!last || last.role !== 'user') return reply([{ type: 'text', text: 'How can I help?' }]);
      const blocks = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
      const final = blocks[blocks.length - 1];
      // after tool results: end the turn with a text
      if (!final || final.type !== 'text')
        return reply([{ type: 'text', text: 'Thank you, I have looked into that.' }]);
      // the customer's message may be followed by code's notes (an answered offer): take the latest ref
      const texts = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
      const ref = [...texts.matchAll(REF)].at(-1);
      const step = ref ? plans.get(Number(ref[1])) : undefined;
      if (!step || step.calls.length === 0)
        return reply([{ type: 'text', text: 'I understand. Is there anything else?' }]);
      return reply(
        step.calls.map((c): AssistantBlock => ({
          type: 'tool_use',
          id: `toolu_${++nextId}`,
          name: c.name,
          input: c.input,
        })),
      );
    },
  };
}
