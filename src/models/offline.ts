/**
 * The offline model: a deterministic planner behind the same interface as Claude, the embedded
 * default when no API key is set. Each call reads the customer's messages, the tool results and
 * the state facts, and either proposes the next tool calls or writes the reply. It is never
 * trusted: the machine decides every proposal, so this only has to be helpful.
 */
import { createHash } from 'node:crypto';
import type { AssistantBlock, Model, ModelCallOptions, ModelRequest, ModelResponse } from './types.js';
import { ZERO_USAGE } from './types.js';
import { analyse } from './offline/conversation.js';
import { planTools } from './offline/planner.js';
import { composeReply } from './offline/replies.js';

/** Tool-use ids from a hash of the request: the same request always gets the same ids. */
function toolUseIds(request: ModelRequest, count: number): string[] {
  const seed = createHash('sha256').update(JSON.stringify(request.messages)).digest('hex').slice(0, 20);
  return Array.from({ length: count }, (_, i) => `toolu_offline_${seed}_${i}`);
}

/** Creates the deterministic offline planner (model name `offline`, zero usage). */
export function createOfflineModel(): Model {
  return {
    name: 'offline',
    async next(request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResponse> {
      const analysis = analyse(request.messages);
      const proposals = planTools(analysis, request.facts);
      if (proposals.length) {
        const ids = toolUseIds(request, proposals.length);
        const content: AssistantBlock[] = proposals.map((p, i) => ({
          type: 'tool_use',
          id: ids[i] ?? `toolu_offline_${i}`,
          name: p.name,
          input: p.input,
        }));
        return { content, stopReason: 'tool_use', usage: { ...ZERO_USAGE } };
      }
      const text = composeReply(analysis, request.facts);
      options.onText?.(text);
      return { content: [{ type: 'text', text }], stopReason: 'end_turn', usage: { ...ZERO_USAGE } };
    },
  };
}
