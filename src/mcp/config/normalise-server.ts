/**
 * Turns one raw server entry (either form) into an `McpServerConfig`: validates it, expands
 * variables (unless asked not to), splits a whole-command string and applies global defaults.
 */
import { splitCommand } from './command';
import { McpConfigError } from './errors';
import { expandString, referencedVariables } from './expand';
import { fieldPath, rawServerSchema, type RawServer } from './schema';
import type { McpGlobalConfig, McpServerConfig, McpTransportKind } from './types';

export interface NormaliseContext {
  file: string;
  global: McpGlobalConfig;
  /** Undefined: leave `${VAR}` templates in place (listing without secrets). */
  env?: Record<string, string | undefined>;
  envFileHint: string;
}

type Json = unknown;

function collectVariables(value: Json, out: Set<string>): void {
  if (typeof value === 'string') for (const v of referencedVariables(value)) out.add(v);
  else if (Array.isArray(value)) for (const v of value) collectVariables(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectVariables(v, out);
}

function expandDeep(value: Json, path: string[], ctx: NormaliseContext, server: string): Json {
  if (typeof value === 'string') {
    const result = expandString(value, ctx.env ?? {});
    if (result.ok) return result.value;
    throw new McpConfigError(
      `server "${server}": variable \${${result.variable}} used in ${fieldPath(path)} is not set; ` +
        `export it or add it to ${ctx.envFileHint}, or write \${${result.variable}:-default}`,
      { file: ctx.file, server, field: fieldPath(path), variable: result.variable },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => expandDeep(v, [...path, String(i)], ctx, server));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandDeep(v, [...path, k], ctx, server)]),
    );
  }
  return value;
}

function fail(ctx: NormaliseContext, server: string, field: string | undefined, message: string): never {
  const where = field ? `${field}: ` : '';
  throw new McpConfigError(`server "${server}": ${where}${message}`, { file: ctx.file, server, field });
}

function parseRaw(name: string, raw: unknown, ctx: NormaliseContext): RawServer {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(ctx, name, undefined, 'must be an object');
  const parsed = rawServerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(ctx, name, issue ? fieldPath(issue.path) : undefined, issue?.message ?? 'invalid entry');
  }
  return parsed.data;
}

function resolveTransport(name: string, raw: RawServer, ctx: NormaliseContext): McpTransportKind {
  const type = raw.type ?? 'external';
  if (type === 'external') {
    if (raw.url && raw.command) fail(ctx, name, 'url', 'give either command or url, not both');
    if (raw.url) return 'http';
    if (raw.command) return 'stdio';
    fail(ctx, name, 'command', 'a server needs a command (stdio) or a url (http/sse)');
  }
  if (type === 'stdio' && !raw.command) fail(ctx, name, 'command', `is required for type "stdio"`);
  if (type !== 'stdio' && !raw.url) fail(ctx, name, 'url', `is required for type "${type}"`);
  return type;
}

function checkUrl(name: string, url: string, ctx: NormaliseContext): void {
  if (url.includes('${')) return; // only when left unexpanded (listing, disabled server)
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(ctx, name, 'url', 'is not a valid URL'); // the value may hold an expanded secret
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    fail(ctx, name, 'url', 'must be an http:// or https:// URL');
  }
}

export function normaliseServer(
  name: string,
  rawInput: unknown,
  source: McpServerConfig['source'],
  ctx: NormaliseContext,
): McpServerConfig {
  const checked = parseRaw(name, rawInput, ctx);
  const variables = new Set<string>();
  collectVariables(checked, variables);
  // A disabled server is never started, so its unset variables (a token not yet created) must
  // not break the whole file; its templates are kept as written.
  const enabled = checked.enabled ?? !(checked.disabled ?? false);
  const expand = ctx.env !== undefined && enabled;
  const raw = expand ? (expandDeep(checked, [], ctx, name) as RawServer) : checked;
  const transport = resolveTransport(name, raw, ctx);

  let command: string | undefined;
  let args = raw.args ?? [];
  if (transport === 'stdio') {
    let words: string[];
    try {
      words = splitCommand(raw.command as string);
    } catch (error) {
      fail(ctx, name, 'command', (error as Error).message);
    }
    if (words.length === 0) fail(ctx, name, 'command', 'must not be empty');
    [command] = words;
    args = [...words.slice(1), ...args];
  } else {
    checkUrl(name, raw.url as string, ctx);
  }

  const seconds = (v: number | undefined, fallbackMs: number) => (v === undefined ? fallbackMs : v * 1000);
  return {
    name,
    transport,
    command,
    args,
    env: raw.env ?? {},
    cwd: raw.cwd,
    url: transport === 'stdio' ? undefined : raw.url,
    headers: raw.headers ?? {},
    enabled,
    timeouts: {
      startupMs: seconds(raw.startup_timeout, ctx.global.startupTimeoutMs),
      callMs: seconds(raw.timeout, ctx.global.timeoutMs),
      idleMs: seconds(raw.idle_timeout, ctx.global.idleTimeoutMs),
    },
    maxConcurrent: raw.max_concurrent ?? ctx.global.maxConcurrent,
    retryAttempts: raw.retry_attempts ?? ctx.global.retryAttempts,
    config: raw.config ?? {},
    organizations: raw.organizations ?? null,
    source,
    variables: [...variables],
  };
}
