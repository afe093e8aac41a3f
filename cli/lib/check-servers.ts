/**
 * `ai mcp list --check`: connects to the listed servers concurrently through the MCP framework's
 * `testServer` and reduces each run to a status and a latency (time to a tool listing).
 */
import type { McpServerConfig } from '../../src/mcp/config';
import type * as Probe from '../../src/mcp/probe';
import { probeFailureCode, firstFailure } from '../../src/mcp/setup/probe-outcome';
import { resolveServers } from '../../src/mcp/setup/resolve-servers';
import { cliLogger } from './logger';

export interface ServerCheck {
  status: 'ok' | 'failed' | 'disabled';
  latencyMs?: number;
  failedStep?: string;
  error?: string;
  code?: string;
  hint?: string;
}

export async function checkServers(
  configPath: string,
  listed: readonly { name: string; enabled: boolean }[],
): Promise<Record<string, ServerCheck>> {
  const { testServer } = require('../../src/mcp/probe') as typeof Probe;
  const enabled = listed.filter((s) => s.enabled).map((s) => s.name);
  const { servers } =
    enabled.length > 0 ? await resolveServers(configPath, enabled) : { servers: [] as McpServerConfig[] };
  const results: Record<string, ServerCheck> = Object.fromEntries(
    listed.filter((s) => !s.enabled).map((s) => [s.name, { status: 'disabled' } as ServerCheck]),
  );
  await Promise.all(
    servers.map(async (server) => {
      const steps = await testServer(server, { logger: cliLogger() });
      const failed = firstFailure(steps);
      const latencyMs = steps.reduce((sum, s) => sum + s.durationMs, 0);
      results[server.name] = failed
        ? {
            status: 'failed',
            latencyMs,
            failedStep: failed.step,
            error: failed.error,
            code: probeFailureCode(failed),
            hint: failed.hint,
          }
        : { status: 'ok', latencyMs };
    }),
  );
  return results;
}
