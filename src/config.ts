/** Configuration: the environment parsed with zod, in one place. */
import { z } from 'zod';
import { parseRateSpec } from './limits/rate-spec.js';
import { usdToCents } from './money.js';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/** A quota: `<points>/<window>` (`20/60s`, `5/15m`, `3/1h`, `1/1d`) or `off`. */
const rate = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const spec = parseRateSpec(v);
      const message = 'a quota is <points>/<window>, e.g. 20/60s, 5/15m, 3/1h, or off';
      if (spec === undefined) ctx.addIssue({ code: 'custom', message });
      return spec ?? null;
    });
const flag = (def: '0' | '1') =>
  z
    .enum(['0', '1', 'true', 'false'])
    .default(def)
    .transform((v) => v === '1' || v === 'true');

const schema = z.object({
  PORT: int(8787, 0),
  HOST: z.string().default('0.0.0.0'),
  SUPPORT_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)',
    )
    .optional(),
  SUPPORT_MODEL: z.enum(['offline', 'claude']).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  ANTHROPIC_MODEL: z.string().default('claude-sonnet-4-6'),
  ANTHROPIC_TIMEOUT_MS: int(30_000, 1),
  ANTHROPIC_MAX_RETRIES: int(2, 0),
  SUPPORT_ADMIN_TOKEN: z.string().min(16, 'SUPPORT_ADMIN_TOKEN must be at least 16 characters').optional(),
  REFUND_LIMIT: z
    .string()
    .default('150')
    .transform((v, ctx) => {
      const cents = usdToCents(v);
      if (cents === null)
        ctx.addIssue({ code: 'custom', message: 'REFUND_LIMIT must be a USD amount like 150 or 150.00' });
      return cents ?? 0;
    }),
  RETURN_WINDOW_DAYS: int(30, 0),
  SUPPORT_MAX_MODEL_CALLS: int(8, 1),
  SUPPORT_TURN_TIMEOUT_MS: int(60_000, 1),
  SUPPORT_SWEEP_INTERVAL_MS: int(30_000, 0),
  SUPPORT_EFFECT_CLAIM_MS: int(30_000, 100),
  SUPPORT_MAX_BODY_BYTES: int(16_384, 256),
  SUPPORT_SHUTDOWN_GRACE_MS: int(20_000, 0),
  SUPPORT_FAULT: z.enum(['before-payment', 'after-payment', 'after-commit']).optional(),
  SUPPORT_CONFIRM_REFUNDS: z.enum(['always', 'never']).default('always'),
  SUPPORT_VERIFICATION: z.enum(['email', 'code']).default('email'),
  SUPPORT_INSPECT: z
    .string()
    .regex(/^wss?:\/\//, 'SUPPORT_INSPECT must be a ws:// or wss:// URL of an inspector relay (npm run inspect)')
    .optional(),
  SUPPORT_LIVE_POLL_MS: int(1000, 50),
  SUPPORT_CONVERSATION_TTL_DAYS: int(30, 0),
  SUPPORT_APPROVAL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  // quotas (src/limits): per client address and per conversation; shared through the database
  SUPPORT_RATE_CONVERSATIONS: rate('30/60s'),
  SUPPORT_RATE_MESSAGES: rate('60/60s'),
  SUPPORT_RATE_CONVERSATION_MESSAGES: rate('20/60s'),
  SUPPORT_RATE_VERIFY: rate('10/15m'),
  SUPPORT_RATE_TICKETS: rate('5/1h'),
  SUPPORT_TRUST_PROXY: int(0, 0),
  // observability (src/observability)
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  LOG_REDACT: flag('1'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().default('support-agent'),
  OTEL_CAPTURE_CONTENT: flag('0'),
  /** Real mail (one-time codes) through SMTP; unset: the development mailbox (GET /api/operator/mailbox). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must be an smtp:// or smtps:// URL (leave it unset for the development mailbox)')
    .optional(),
  SMTP_FROM: z.string().min(3).optional(),
  /** npm run mcp: continue this conversation (with its token) instead of starting a new one. */
  SUPPORT_MCP_CONVERSATION: z.string().max(200).optional(),
  SUPPORT_MCP_TOKEN: z.string().max(200).optional(),
});

export type Config = z.infer<typeof schema> & { modelKind: 'offline' | 'claude' };

/** Parses the environment; throws one readable error listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const modelKind = c.SUPPORT_MODEL ?? (c.ANTHROPIC_API_KEY ? 'claude' : 'offline');
  if (modelKind === 'claude' && !c.ANTHROPIC_API_KEY)
    throw new Error('Invalid configuration:\n  SUPPORT_MODEL=claude needs ANTHROPIC_API_KEY');
  if (c.SMTP_URL && !c.SMTP_FROM)
    throw new Error('Invalid configuration:\n  SMTP_URL needs SMTP_FROM (the sender address)');
  return { ...c, modelKind };
}
