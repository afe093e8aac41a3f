/** `ai mcp test [server]`: timed start, initialize, list tools and optional call; hints on failure. */
import { Args, Flags } from '@oclif/core';
import { z } from 'zod';
import { AppError } from '../../../src/shared/errors';
import { McpCommand, ResultFailure } from '../../lib/base-command';
import { exitCodeFor } from '../../lib/exit-codes';
import { formatMs } from '../../lib/output';
import type * as Probe from '../../../src/mcp/probe';
import type * as Outcome from '../../../src/mcp/setup/probe-outcome';
import type * as Resolve from '../../../src/mcp/setup/resolve-servers';
import type * as CliLogger from '../../lib/logger';

const argsSchema = z.record(z.string(), z.unknown());

export default class McpTest extends McpCommand {
  static override description =
    'Test servers step by step (start, initialize, list tools, optional tool call), each timed. With no server, every enabled server is tested concurrently.';

  static override examples = [
    '<%= config.bin %> mcp test',
    '<%= config.bin %> mcp test sequential-thinking --json',
    `<%= config.bin %> mcp test everything --call echo --args '{"message":"hi"}'`,
  ];

  static override args = {
    server: Args.string({ description: 'Server or chain name; default every enabled server.' }),
  };

  static override flags = {
    call: Flags.string({ description: 'Also call this tool (needs a server name).' }),
    args: Flags.string({ description: 'JSON object of arguments for --call.', dependsOn: ['call'] }),
    timeout: Flags.integer({
      description: 'Start-up timeout in seconds (default: the server’s startup_timeout).',
      min: 1,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(McpTest);
    if (flags.call && !args.server) {
      throw new AppError('BAD_USER_INPUT', '--call needs a server: ai mcp test <server> --call <tool>.', {
        details: { flag: '--call' },
      });
    }
    const callArgs = flags.call ? parseArgs(flags.args) : undefined;
    const { resolveServers } = require('../../../src/mcp/setup/resolve-servers') as typeof Resolve;
    const { testServer } = require('../../../src/mcp/probe') as typeof Probe;
    const { probeFailureCode, firstFailure } =
      require('../../../src/mcp/setup/probe-outcome') as typeof Outcome;
    const { cliLogger } = require('../../lib/logger') as typeof CliLogger;

    const { servers, secretValues } = await resolveServers(
      this.configPath(flags.config),
      args.server ? [args.server] : undefined,
    );
    for (const value of secretValues) this.secrets.add(value);
    if (servers.length === 0) this.stderr('No enabled servers to test. Add one with: ai mcp setup\n');
    const results = await Promise.all(
      servers.map(async (server) => {
        const steps = await testServer(server, {
          call: flags.call ? { tool: flags.call, args: callArgs } : undefined,
          timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
          logger: cliLogger(),
        });
        const failed = firstFailure(steps);
        return {
          server: server.name,
          ok: !failed,
          steps: steps.map((s) => ({ ...s, durationMs: Math.round(s.durationMs) })),
          ...(failed ? { code: probeFailureCode(failed) } : {}),
        };
      }),
    );
    for (const r of results) {
      this.log(`${r.ok ? '✓' : '✗'} ${r.server}`);
      for (const s of r.steps) {
        const detail = s.ok ? (s.detail ? `  ${s.detail}` : '') : `  ${s.error ?? 'failed'}`;
        this.log(`  ${s.ok ? '✓' : '✗'} ${s.step.padEnd(10)} ${formatMs(s.durationMs).padStart(8)}${detail}`);
        if (!s.ok && s.hint) this.log(`    hint: ${s.hint}`);
      }
    }
    const document = { servers: results };
    const failed = results.filter((r) => !r.ok);
    const first = failed[0];
    if (first) {
      const step = first.steps.find((s) => !s.ok);
      throw new ResultFailure(
        exitCodeFor({ code: first.code }),
        `${first.server} failed at "${step?.step}": ${step?.error ?? 'failed'}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}`,
        document,
      );
    }
    return document;
  }
}

function parseArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError('BAD_USER_INPUT', `--args is not valid JSON: ${(error as Error).message}`, {
      details: { flag: '--args' },
    });
  }
  const parsed = argsSchema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('BAD_USER_INPUT', '--args must be a JSON object, e.g. \'{"message":"hi"}\'.', {
      details: { flag: '--args' },
    });
  }
  return parsed.data;
}
