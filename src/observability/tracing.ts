/**
 * OpenTelemetry traces: a tracer provider of our own (not registered globally), exporting over
 * OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set and nothing otherwise. Span names and
 * attributes follow the GenAI semantic conventions (see telemetry.ts).
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingConfig {
  serviceName?: string;
  serviceVersion?: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** An exporter of your own (tests: InMemorySpanExporter); spans are then exported one by one. */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Null when nothing would receive the spans: then no span is even created. */
  readonly tracer: Tracer | null;
  /** Flushes what is batched and stops exporting. */
  shutdown(): Promise<void>;
}

/** The traces endpoint for a base endpoint, as the OTLP exporter specification derives it. */
export const tracesUrl = (endpoint: string) => `${endpoint.replace(/\/+$/, '')}/v1/traces`;

export function createTracing(config: TracingConfig = {}): Tracing {
  const processors: SpanProcessor[] = [];
  if (config.exporter) processors.push(new SimpleSpanProcessor(config.exporter));
  if (config.endpoint)
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.endpoint) })));
  if (processors.length === 0) return { tracer: null, shutdown: async () => {} };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName ?? 'support-agent',
      ...(config.serviceVersion ? { [ATTR_SERVICE_VERSION]: config.serviceVersion } : {}),
    }),
    spanProcessors: processors,
  });
  return { tracer: provider.getTracer('support-agent'), shutdown: () => provider.shutdown() };
}
