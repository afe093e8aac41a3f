/**
 * Provider configuration from the environment, validated once at start-up.
 * - `OPENAI_API_KEY` / `OPENAI_BASE_URL` (+ `OPENAI_API_MODE` = `responses` (default) | `chat`)
 * - `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL`
 * - `GOOGLE_API_KEY` (or `GOOGLE_GENERATIVE_AI_API_KEY`) / `GOOGLE_BASE_URL`
 * - `OPENAI_COMPATIBLE_ENDPOINTS`: JSON array of named endpoints, e.g.
 *   `[{"name":"xai","baseURL":"https://api.x.ai/v1","apiKeyEnv":"XAI_API_KEY","models":["grok-4"]}]`;
 *   the key itself stays in its own variable, never in the JSON.
 * - `MOCK_PROVIDER` = `auto` (default: on only when no real provider is configured) | `on` | `off`
 * - `PROVIDER_TIMEOUT_MS` (default 120000), `PROVIDER_MAX_RETRIES` (default 2)
 */
import { z } from 'zod';

import { AppError } from '../shared/errors';

export type ProviderKind = 'openai' | 'anthropic' | 'google' | 'openai-compatible' | 'mock';

export interface ProviderConfig {
  /** The name clients use (`openai`, `anthropic`, `google`, `mock`, or an endpoint's name). */
  id: string;
  kind: ProviderKind;
  apiKey?: string;
  baseURL?: string;
  /** OpenAI only: which API to call. */
  apiMode?: 'responses' | 'chat';
  /** Models to advertise in addition to the priced catalog models. */
  models: string[];
}

export interface ProvidersConfig {
  providers: ProviderConfig[];
  timeoutMs: number;
  maxRetries: number;
}

const BUILT_IN = ['openai', 'anthropic', 'google', 'mock'];

const endpointSchema = z.object({
  name: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a short lowercase name such as "xai"')
    .refine((name) => !BUILT_IN.includes(name), 'must not reuse a built-in provider name'),
  baseURL: z.string().url('must be a URL such as https://api.x.ai/v1'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of an environment variable')
    .optional(),
  models: z.array(z.string().trim().min(1)).default([]),
});

const envSchema = z.object({
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_MODE: z.enum(['responses', 'chat']).default('responses'),
  ANTHROPIC_API_KEY: z.string().trim().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  GOOGLE_API_KEY: z.string().trim().min(1).optional(),
  GOOGLE_GENERATIVE_AI_API_KEY: z.string().trim().min(1).optional(),
  GOOGLE_BASE_URL: z.string().url().optional(),
  OPENAI_COMPATIBLE_ENDPOINTS: z.string().optional(),
  MOCK_PROVIDER: z.enum(['auto', 'on', 'off']).default('auto'),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().max(3_600_000).default(120_000),
  PROVIDER_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
});

function invalid(message: string): AppError {
  return new AppError('CONFIG_INVALID', `Provider configuration: ${message}`);
}

function blankToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}

function parseEndpoints(json: string | undefined, env: Record<string, string | undefined>): ProviderConfig[] {
  if (!json || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalid('OPENAI_COMPATIBLE_ENDPOINTS is not valid JSON (expected an array of endpoints).');
  }
  const parsed = z.array(endpointSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`OPENAI_COMPATIBLE_ENDPOINTS[${issue.path.join('.')}] ${issue.message}.`);
  }
  const names = new Set<string>();
  return parsed.data.map((endpoint) => {
    if (names.has(endpoint.name)) throw invalid(`endpoint "${endpoint.name}" is defined twice.`);
    names.add(endpoint.name);
    const apiKey = endpoint.apiKeyEnv ? env[endpoint.apiKeyEnv] : undefined;
    if (endpoint.apiKeyEnv && !apiKey) {
      throw invalid(
        `endpoint "${endpoint.name}" reads its key from ${endpoint.apiKeyEnv}, which is not set.`,
      );
    }
    return {
      id: endpoint.name,
      kind: 'openai-compatible' as const,
      baseURL: endpoint.baseURL,
      apiKey,
      models: endpoint.models,
    };
  });
}

export function loadProvidersConfig(env: Record<string, string | undefined> = process.env): ProvidersConfig {
  const cleaned = blankToUndefined(env);
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.')} ${issue.message}.`);
  }
  const e = parsed.data;
  const providers: ProviderConfig[] = [];
  if (e.OPENAI_API_KEY) {
    providers.push({
      id: 'openai',
      kind: 'openai',
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL,
      apiMode: e.OPENAI_API_MODE,
      models: [],
    });
  }
  if (e.ANTHROPIC_API_KEY) {
    providers.push({
      id: 'anthropic',
      kind: 'anthropic',
      apiKey: e.ANTHROPIC_API_KEY,
      baseURL: e.ANTHROPIC_BASE_URL,
      models: [],
    });
  }
  const googleKey = e.GOOGLE_API_KEY ?? e.GOOGLE_GENERATIVE_AI_API_KEY;
  if (googleKey) {
    providers.push({
      id: 'google',
      kind: 'google',
      apiKey: googleKey,
      baseURL: e.GOOGLE_BASE_URL,
      models: [],
    });
  }
  providers.push(...parseEndpoints(e.OPENAI_COMPATIBLE_ENDPOINTS, cleaned));
  if (e.MOCK_PROVIDER === 'on' || (e.MOCK_PROVIDER === 'auto' && providers.length === 0)) {
    providers.push({ id: 'mock', kind: 'mock', models: [] });
  }
  return { providers, timeoutMs: e.PROVIDER_TIMEOUT_MS, maxRetries: e.PROVIDER_MAX_RETRIES };
}
