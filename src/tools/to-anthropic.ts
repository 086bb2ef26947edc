/** Converts the zod tool inputs to the Anthropic tool format (JSON Schema), for the tools a source may use. */
import { z } from 'zod';
import type { ProposalSource } from '../machines/conversation.context.js';
import type { ToolSpec } from '../models/types.js';
import type { Toolset } from './types.js';

export function toolSpecs(toolset: Toolset, source: ProposalSource = 'chat'): ToolSpec[] {
  return toolset.tools
    .filter((tool) => tool.sources.includes(source))
    .map((tool) => {
      const schema = z.toJSONSchema(tool.input, { target: 'draft-2020-12' }) as Record<string, unknown>;
      const { $schema: _ignored, ...inputSchema } = schema;
      return { name: tool.name, description: tool.description, input_schema: inputSchema };
    });
}
