/**
 * A stable hash of what makes a server "the same server": how it is launched or reached. A change
 * to any of it restarts a running server and invalidates its discovered tools. It is a one-way
 * hash, so secrets in env or headers never reach `.mcp.tools.json`.
 */
import { createHash } from 'node:crypto';
import type { McpServerConfig } from './config/types';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function serverFingerprint(server: McpServerConfig): string {
  const identity = {
    transport: server.transport,
    command: server.command ?? null,
    args: server.args,
    env: server.env,
    cwd: server.cwd ?? null,
    url: server.url ?? null,
    headers: server.headers,
  };
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(identity)))
    .digest('hex')}`;
}
