/**
 * The scripted model of the paths suite, stateless per turn: a customer text carries "(ref n)";
 * the model answers the latest customer text with the tool calls planned under n, and a tool
 * result with a closing text. Concurrent and restarted turns need no model state.
 */
import type { AssistantBlock, Model, ModelRequest, ModelResponse } from '../../src/models/types.js';
import { ZERO_USAGE } from '../../src/models/types.js';
import type { TurnStep } from './alphabet.js';

/** Texts the model is asked to answer with proposals are tagged "(ref n)"; the plan is looked up by n. */
export function plannerModel(): Model & { plan(step: TurnStep): number } {
  const plans = new Map<number, TurnStep>();
  let nextRef = 0;
  let nextId = 0;
  const reply = (content: AssistantBlock[]): ModelResponse => ({
    content,
    stopReason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
    usage: { ...ZERO_USAGE },
  });
  return {
    name: 'planner',
    plan(step) {
      plans.set(++nextRef, step);
      return nextRef;
    },
    async next(req: ModelRequest) {
      const last = req.messages[req.messages.length - 1];
      if (!last || last.role !== 'user') return reply([{ type: 'text', text: 'How can I help?' }]);
      const blocks = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
      const final = blocks[blocks.length - 1];
      // after tool results: end the turn with a text
      if (!final || final.type !== 'text') return reply([{ type: 'text', text: 'Thank you, I have looked into that.' }]);
      const ref = /\(ref (\d+)\)/.exec(final.text);
      const step = ref ? plans.get(Number(ref[1])) : undefined;
      if (!step || step.calls.length === 0) return reply([{ type: 'text', text: 'I understand. Is there anything else?' }]);
      return reply(step.calls.map((c): AssistantBlock => ({ type: 'tool_use', id: `toolu_${++nextId}`, name: c.name, input: c.input })));
    },
  };
}

