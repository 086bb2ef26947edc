/** A pino destination that keeps every line, parsed. */
import { createLogger, type LoggerConfig } from '../../src/observability/logger.js';

export function captureLogs(config: Omit<LoggerConfig, 'destination'> = {}) {
  const raw: string[] = [];
  const logger = createLogger({ level: 'debug', ...config, destination: { write: (s: string) => void raw.push(s) } });
  return {
    logger,
    raw,
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
