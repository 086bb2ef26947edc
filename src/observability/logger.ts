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

/**
 * Keys whose values are secrets (tokens) or customer/model text: at the top level all of them, one
 * level down all but `message` (err.message stays readable; emails in it are masked), two levels
 * down tokens, authorization and cookies.
 */
const SECRET_KEYS = ['token', 'authorization', 'cookie', 'text', 'reply', 'message', 'content', 'input'];
const AT_TOP = new Set(SECRET_KEYS);
const ONE_DOWN = new Set(SECRET_KEYS.filter((k) => k !== 'message'));
const TWO_DOWN = new Set(['token', 'authorization', 'cookie']);
const BY_DEPTH = [AT_TOP, ONE_DOWN, TWO_DOWN];

/** pino's error serializer for `err`, applied here first so that what it yields is redacted too. */
const serializeError = pino.stdSerializers.err;

/**
 * The logged object with the values of SECRET_KEYS replaced by REDACTED, by depth as above; the
 * caller's objects are never changed (a level that needs a change is copied). pino's own redaction
 * does the same with wildcard paths at some 10 µs a line, a tenth of a turn's CPU at five lines a
 * turn; this walk of three levels costs well under one for the flat objects nearly every line is.
 */
export function redactSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  return walk(obj, 0) as Record<string, unknown>;
}

function walk(value: object, depth: number): object {
  const secret = BY_DEPTH[depth];
  if (!secret) return value;
  let copy: Record<string, unknown> | unknown[] | null = null;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const v = source[key];
    let next: unknown = v;
    if (v === undefined) continue;
    if (secret.has(key)) next = REDACTED;
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const inner = depth === 0 && key === 'err' && v instanceof Error ? serializeError(v) : v;
      next = walk(inner, depth + 1);
    }
    if (next !== v) {
      copy ??= Array.isArray(value) ? [...value] : { ...source };
      (copy as Record<string, unknown>)[key] = next;
    }
  }
  return copy ?? value;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Masks every email address in a serialised line. */
export const maskEmails = (line: string): string => (line.includes('@') ? line.replace(EMAIL, EMAIL_MASK) : line);

const LEVEL_LABEL = { level: (label: string) => ({ level: label }) };

/** Creates the process logger (LOG_LEVEL, LOG_FORMAT, LOG_REDACT). */
export function createLogger(config: LoggerConfig = {}): Logger {
  const redact = config.redact ?? true;
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: 'support-agent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: LEVEL_LABEL,
    // `err` is serialised by redactSecrets (an object that is not an Error passes unchanged)
    serializers: { err: (e: unknown) => (e instanceof Error ? serializeError(e) : e) },
    ...(redact ? { formatters: { ...LEVEL_LABEL, log: redactSecrets }, hooks: { streamWrite: maskEmails } } : {}),
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
