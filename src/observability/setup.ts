/** The process's observability, from the configuration: logger, metrics, traces, and the runtime's Telemetry. */
import type { Telemetry } from '../runtime/telemetry.js';
import { noTelemetry } from '../runtime/telemetry.js';
import { createLogger, silentLogger, type LogLevel, type Logger } from './logger.js';
import { createMetrics, type Metrics, type MetricsDeps } from './metrics.js';
import { createTelemetry } from './telemetry.js';
import type { Tracing } from './tracing.js';

export interface ObservabilityConfig {
  LOG_LEVEL: LogLevel;
  LOG_FORMAT: 'json' | 'pretty';
  LOG_REDACT: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME: string;
  OTEL_CAPTURE_CONTENT: boolean;
}

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  telemetry: Telemetry;
  /** Flushes batched spans. */
  shutdown(): Promise<void>;
}

export interface ObservabilityDeps extends Pick<MetricsDeps, 'pendingEffects' | 'openApprovals'> {
  knownTools?: readonly string[];
}

/**
 * Everything on: what the server runs with. The OpenTelemetry SDK is loaded only when traces are
 * exported (OTEL_EXPORTER_OTLP_ENDPOINT): without it there is no span to make, and start-up is
 * faster by its load.
 */
export async function createObservability(
  config: ObservabilityConfig,
  deps: ObservabilityDeps = {},
): Promise<Observability> {
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, redact: config.LOG_REDACT });
  const metrics = createMetrics(deps);
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracing: Tracing = endpoint
    ? (await import('./tracing.js')).createTracing({ serviceName: config.OTEL_SERVICE_NAME, endpoint })
    : { tracer: null, shutdown: async () => {} };
  const telemetry = createTelemetry({
    logger,
    metrics,
    tracer: tracing.tracer,
    captureContent: config.OTEL_CAPTURE_CONTENT,
    ...(deps.knownTools ? { knownTools: deps.knownTools } : {}),
  });
  return { logger, metrics, tracing, telemetry, shutdown: () => tracing.shutdown() };
}

/** Nothing reported (the CLI, tests): a silent logger, a private registry, no spans. */
export function quietObservability(deps: ObservabilityDeps = {}): Observability {
  return {
    logger: silentLogger(),
    metrics: createMetrics({ ...deps, processMetrics: false }),
    tracing: { tracer: null, shutdown: async () => {} },
    telemetry: noTelemetry,
    shutdown: async () => {},
  };
}
