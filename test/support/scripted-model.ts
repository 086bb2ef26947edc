/** A scripted model: each call returns the next scripted response (or a function of the request). */
import type { AssistantBlock, Model, ModelRequest, ModelResponse } from '../../src/models/types.js';
import { ZERO_USAGE } from '../../src/models/types.js';

export type Script = Array<AssistantBlock[] | ((req: ModelRequest) => AssistantBlock[])>;

let nextId = 0;
export const toolUse = (name: string, input: unknown): AssistantBlock => ({
  type: 'tool_use',
  id: `toolu_${++nextId}`,
  name,
  input,
});
export const text = (t: string): AssistantBlock => ({ type: 'text', text: t });

/** Plays the script in order; when it runs out, replies with a short text. Records every request. */
export function scriptedModel(script: Script): Model & { requests: ModelRequest[] } {
  const queue = [...script];
  const requests: ModelRequest[] = [];
  return {
    name: 'scripted',
    requests,
    async next(req): Promise<ModelResponse> {
      requests.push(req);
      const item = queue.shift();
      const content =
        item === undefined
          ? [text('Is there anything else I can help with?')]
          : typeof item === 'function'
            ? item(req)
            : item;
      return {
        content,
        stopReason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
        usage: { ...ZERO_USAGE },
      };
    },
  };
}

/** A scripted model whose script is given later (once a test has made its customer and orders). */
export function deferredModel(): Model & { requests: ModelRequest[]; play(script: Script): void } {
  let inner = scriptedModel([]);
  const requests: ModelRequest[] = [];
  return {
    name: 'scripted',
    requests,
    play(script) {
      inner = scriptedModel(script);
    },
    async next(req, options) {
      requests.push(req);
      return inner.next(req, options);
    },
  };
}
