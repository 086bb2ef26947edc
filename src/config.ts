/** Configuration: the environment parsed with zod, in one place. */
import { z } from 'zod';
import { usdToCents } from './money.js';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const schema = z.object({
  PORT: int(8787, 0),
  HOST: z.string().default('0.0.0.0'),
  SUPPORT_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)')
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
      if (cents === null) ctx.addIssue({ code: 'custom', message: 'REFUND_LIMIT must be a USD amount like 150 or 150.00' });
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
  SUPPORT_APPROVAL_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
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
  if (modelKind === 'claude' && !c.ANTHROPIC_API_KEY) throw new Error('Invalid configuration:\n  SUPPORT_MODEL=claude needs ANTHROPIC_API_KEY');
  if (c.SMTP_URL && !c.SMTP_FROM) throw new Error('Invalid configuration:\n  SMTP_URL needs SMTP_FROM (the sender address)');
  return { ...c, modelKind };
}
