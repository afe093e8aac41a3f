/**
 * zod schemas for the raw `.mcp.json` entries, before normalisation. Durations are seconds, as in
 * the design's `global_config`. Unknown keys are tolerated so files shared with other MCP clients
 * (which add `description`, `autoApprove`, ...) still load.
 */
import { z } from 'zod';

const seconds = z.number().positive();
const stringMap = z.record(z.string(), z.string());

export const transportTypes = ['external', 'stdio', 'http', 'sse'] as const;

export const rawServerSchema = z
  .object({
    type: z.enum(transportTypes, {
      errorMap: () => ({ message: `must be one of ${transportTypes.join(', ')}` }),
    }),
    enabled: z.boolean(),
    disabled: z.boolean(),
    command: z.string().min(1, 'must not be empty'),
    args: z.array(z.string()),
    env: stringMap,
    cwd: z.string().min(1),
    url: z.string().min(1, 'must not be empty'),
    headers: stringMap,
    config: z.record(z.string(), z.unknown()),
    timeout: seconds,
    startup_timeout: seconds,
    idle_timeout: z.number().nonnegative(),
    max_concurrent: z.number().int().min(1),
    retry_attempts: z.number().int().min(0).max(10),
    /** Organisation ids allowed to use the server; absent means every organisation. */
    organizations: z.array(z.string().trim().min(1)).min(1, 'must list at least one organisation id'),
  })
  .partial()
  .passthrough();
export type RawServer = z.infer<typeof rawServerSchema>;

export const rawGlobalSchema = z
  .object({
    timeout: seconds,
    startup_timeout: seconds,
    idle_timeout: z.number().nonnegative(),
    max_concurrent: z.number().int().min(1),
    retry_attempts: z.number().int().min(0).max(10),
    tool_discovery_cache_ttl: z.number().nonnegative(),
  })
  .partial()
  .passthrough();

const preStepSchema = z.object({
  server: z.string().min(1),
  tool: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
  label: z.string().min(1).optional(),
});

export const rawChainSchema = z
  .object({
    servers: z.array(z.string().min(1)).min(1, 'must list at least one server or chain'),
    allowTools: z.array(z.string().min(1)).default([]),
    denyTools: z.array(z.string().min(1)).default([]),
    preSteps: z.array(preStepSchema).default([]),
  })
  .passthrough();

const objectOf = z.record(z.string(), z.unknown());

export const rawFileSchema = z
  .object({
    servers: objectOf.optional(),
    mcpServers: objectOf.optional(),
    global_config: z.unknown().optional(),
    chains: objectOf.optional(),
  })
  .passthrough();

/** `["env", "TOKEN"]` → `env.TOKEN`; array indexes as `[0]`. */
export function fieldPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
