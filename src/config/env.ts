/**
 * Environment configuration: every variable the server and worker read, validated
 * once at start-up with zod. A bad value is a CONFIG_INVALID error whose message
 * names each offending variable, so `npm start` fails fast and says why.
 */
import { z } from 'zod';
import { AppError } from '../shared/errors';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Production database. When absent the database chain picks a local tier. */
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  DB_MODE: z.enum(['uri', 'memory-server', 'embedded']).optional(),
  /** The embedded server (local tier) runs on a worker thread, so it has a core of its own. */
  EMBEDDED_DB_THREAD: booleanFlag.default('true'),
  /** Run the HTTP API without an agenda worker in this process. */
  API_ONLY: booleanFlag.default('false'),
  /** Fixes the key created for the bootstrap owner (CI, Docker). Only used on an empty database. */
  BOOTSTRAP_ADMIN_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, 'must be 32-128 characters of A-Z, a-z, 0-9, "_" or "-"')
    .optional(),
  BOOTSTRAP_ORG_NAME: z.string().min(1).max(100).default('Default organisation'),
  BOOTSTRAP_OWNER_EMAIL: z.string().email().default('owner@example.com'),
  /** Largest accepted request body, in bytes. */
  MAX_BODY_BYTES: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  MAX_QUERY_DEPTH: int(2, 100).default(12),
  MAX_QUERY_COMPLEXITY: int(10, 100000).default(2000),
  /** Requests per API key per minute; 0 disables the limit. */
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
  /** How long shutdown waits for in-flight requests and jobs before closing anyway. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** Polling interval for jobs queued by another process (same-process jobs are notified). */
  JOB_POLL_INTERVAL_MS: int(50, 600_000).default(1000),
  /** Lock lifetime of a running job: a job whose process died is retried after this. */
  JOB_LOCK_LIFETIME_MS: int(1000, 3_600_000).default(60_000),
  /**
   * How long the first queued event waits for others before cost tracking drains them (ms). Trades
   * that much response-to-cost-record delay for batched background work.
   */
  OUTBOX_LINGER_MS: int(0, 1000).default(10),
  /**
   * How long a budget hold may stay unsettled before the sweeper assumes its process died and
   * charges its worst case as an ESTIMATED cost record. Keep it above the longest provider call.
   */
  BUDGET_HOLD_TTL_MS: int(1000, 86_400_000).default(15 * 60_000),
  /** How often the budget sweeper expires dead holds and repairs counters. */
  BUDGET_SWEEP_INTERVAL_MS: int(1000, 86_400_000).default(60_000),
  /** Performance monitoring (src/monitoring): instruments, /metrics, thresholds, alerts. */
  MONITORING_ENABLED: booleanFlag.default('true'),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Serve /metrics on this port (internal) instead of the API port. */
  METRICS_PORT: int(1, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How long time-bucketed performance documents and alerts are kept (TTL index). */
  PERF_RETENTION_DAYS: int(1, 3650).default(14),
  PERF_BUCKET_MS: int(10_000, 3_600_000).default(60_000),
  /** The window whose p95 is compared with the thresholds. */
  PERF_WINDOW_MS: int(10_000, 3_600_000).default(300_000),
  /** The same threshold on the same subject alerts at most once per cooldown. */
  PERF_ALERT_COOLDOWN_MS: int(1000, 86_400_000).default(900_000),
  PERF_THRESHOLD_EVENT_MS: int(1, 600_000).default(100),
  PERF_THRESHOLD_LISTENER_MS: int(1, 600_000).default(50),
  PERF_THRESHOLD_JOB_MS: int(1, 600_000).default(500),
  PERF_THRESHOLD_MIDDLEWARE_MS: int(1, 600_000).default(10),
  PERF_THRESHOLD_MCP_CALL_MS: int(1, 600_000).default(500),
  PERF_THRESHOLD_BUDGET_CHECK_MS: int(1, 600_000).default(10),
  PERF_THRESHOLD_PROVIDER_MS: int(1, 600_000).default(30_000),
  /** A job backlog that grew at every check for this many minutes alerts. */
  PERF_BACKLOG_GROWING_MINUTES: int(1, 1440).default(10),
  PERF_SLOW_RESOLVER_MS: int(1, 600_000).default(50),
  /**
   * Database command latency through the driver's command monitoring. The driver then decodes
   * every reply a second time for its event: measured at about 4 points of sendMessage
   * throughput, most of monitoring's cost. false keeps every other instrument.
   */
  PERF_DB_COMMANDS: booleanFlag.default('true'),
  /** Webhooks (src/webhooks): per-attempt timeout, attempts in all, backoff doubling from base up to max. */
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 50).default(8),
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(30_000),
  WEBHOOK_RETRY_MAX_MS: int(1, 86_400_000).default(3_600_000),
  /** Delivery log entries expire after this many days (TTL index). */
  WEBHOOK_DELIVERY_RETENTION_DAYS: int(1, 3650).default(30),
  /** Webhook attempts in flight per worker process. */
  WEBHOOK_CONCURRENCY: int(1, 100).default(10),
  /** Seals webhook signing secrets at rest (AES-256-GCM): 32 bytes as 64 hex characters. */
  WEBHOOK_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`')
    .optional(),
  /**
   * Organisations whose owners and admins may read deployment-wide performance data
   * (`performance`, `performanceRecommendations`, `performanceAlertHistory`, `performanceAlerts`):
   * comma-separated organisation ids. Unset: nobody reads them over GraphQL (use /metrics).
   */
  PLATFORM_ADMIN_ORG_IDS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-f]{24}$/i, 'must be comma-separated organisation ids')))
    .default(''),
});

export type Config = z.infer<typeof envSchema>;

/** Validates the environment; throws CONFIG_INVALID naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty string means "unset" for optional variables (common in .env files).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    return { variable: name, message: issue.message, value: redactValue(name, cleaned[name]) };
  });
  const lines = problems.map((p) => `  ${p.variable}: ${p.message}${p.value ? ` (got ${p.value})` : ''}`);
  throw new AppError(
    'CONFIG_INVALID',
    `Invalid configuration:\n${lines.join('\n')}\nFix the variables above in the environment or .env.`,
    {
      details: { variables: problems.map((p) => p.variable) },
    },
  );
}

function redactValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/KEY|SECRET|PASSWORD|TOKEN|URI/.test(name)) return '[redacted]';
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
