/** Converts the zod tool inputs to the Anthropic tool format (JSON Schema). */
import { z } from 'zod';
import type { ToolSpec } from '../models/types.js';
import { TOOLS } from './registry.js';

export function toAnthropicTools(): ToolSpec[] {
  return TOOLS.map((tool) => {
    const schema = z.toJSONSchema(tool.input, { target: 'draft-2020-12' }) as Record<string, unknown>;
    const { $schema: _ignored, ...inputSchema } = schema;
    return { name: tool.name, description: tool.description, input_schema: inputSchema };
  });
}
