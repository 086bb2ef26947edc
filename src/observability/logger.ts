/**
 * Structured logs with pino: one JSON line per event, cheap enough for one line per request and
 * per machine decision. Secrets and personal data are redacted by default (LOG_REDACT=0 turns it
 * off for local debugging): tokens and Authorization headers by key, message text by key, and
 * every email address anywhere in the line (messages, errors, tool inputs) by pattern.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerConfig {
  level?: LogLevel;
  /** `pretty` uses pino-pretty (a development dependency) for a human-readable terminal. */
  format?: 'json' | 'pretty';
  /** Default true. */
  redact?: boolean;
  /** Where lines go (default stdout); tests pass a collecting stream. */
  destination?: DestinationStream;
}

export const REDACTED = '[redacted]';
export const EMAIL_MASK = '[email]';

/** Keys whose values are secrets (tokens) or customer/model text, at the top level or one or two levels down. */
const SECRET_KEYS = ['token', 'authorization', 'cookie', 'text', 'reply', 'message', 'content', 'input'];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.filter((k) => k !== 'message').map((k) => `*.${k}`), // err.message stays readable (emails are masked)
  '*.*.token',
  '*.*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Masks every email address in a serialised line. */
export const maskEmails = (line: string): string => line.replace(EMAIL, EMAIL_MASK);

/** Creates the process logger (LOG_LEVEL, LOG_FORMAT, LOG_REDACT). */
export function createLogger(config: LoggerConfig = {}): Logger {
  const redact = config.redact ?? true;
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: 'support-agent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(redact ? { redact: { paths: REDACT_PATHS, censor: REDACTED }, hooks: { streamWrite: maskEmails } } : {}),
  };
  if (config.destination) return pino(options, config.destination);
  if (config.format === 'pretty') {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(options);
}

/** A logger that writes nothing (tests, the CLI). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
