/**
 * The machine definition, offline: Studio code, Mermaid and JSON, and the statechart as SVG drawn
 * on the server (no browser library, no CDN). Public: names of states, events and guards only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AnyStateMachine } from 'xstate';
import { chartModel } from '../inspect/chart-model.js';
import { renderSvg, toDot } from '../inspect/chart-svg.js';
import { toMermaid, toStudioCode } from '../inspect/chart-text.js';

export interface MachineRouteDeps {
  machine: AnyStateMachine;
  /** The input the Studio code's literal context is made from: placeholders, never real limits (it is public). */
  sampleInput?: Record<string, unknown>;
}

/** Headers for a served SVG: it is an image, never a document that runs anything. */
export const SVG_HEADERS = {
  'Content-Type': 'image/svg+xml; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
} as const;

export const MachineDefinitionSchema = z
  .object({
    studio: z
      .string()
      .openapi({ description: 'createMachine({...}) code for Stately Studio\'s "import from code" (literal context)' }),
    mermaid: z.string().openapi({ description: 'The statechart as a Mermaid stateDiagram-v2' }),
    json: z.record(z.string(), z.unknown()).openapi({ description: 'machine.toJSON(): the state node definitions' }),
  })
  .openapi('MachineDefinition');

const machineRoute = createRoute({
  method: 'get',
  path: '/api/machine',
  tags: ['machine'],
  summary: 'The conversation machine: Studio code, Mermaid and JSON',
  responses: {
    200: {
      description: 'The machine definition',
      content: { 'application/json': { schema: MachineDefinitionSchema } },
    },
  },
});

const machineSvgRoute = createRoute({
  method: 'get',
  path: '/api/machine.svg',
  tags: ['machine'],
  summary: 'The statechart as SVG (every state, every event, guards by name)',
  responses: { 200: { description: 'SVG image', content: { 'image/svg+xml': { schema: z.string() } } } },
});

export function registerMachineRoutes(app: OpenAPIHono, deps: MachineRouteDeps): void {
  const { machine } = deps;
  const model = chartModel(machine);
  let definition: z.infer<typeof MachineDefinitionSchema> | null = null;
  let svg: Promise<string> | null = null;

  app.openapi(machineRoute, (c) => {
    definition ??= {
      studio: toStudioCode(machine, deps.sampleInput ?? {}, model),
      mermaid: toMermaid(machine, model),
      // through JSON once: functions (inline guards) drop out, as they would on the wire
      json: z.record(z.string(), z.unknown()).parse(JSON.parse(JSON.stringify(machine.toJSON()))),
    };
    return c.json(definition, 200);
  });

  app.openapi(machineSvgRoute, async (c) => {
    // a failed render is not cached: the next request tries again
    svg ??= renderSvg(toDot(model)).catch((error: unknown) => {
      svg = null;
      throw error;
    });
    return c.body(await svg, 200, { ...SVG_HEADERS, 'Cache-Control': 'public, max-age=300' });
  });
}
