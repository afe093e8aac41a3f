/** `ai mcp discover [server]`: refreshes .mcp.tools.json and prints servers, tools and timings. */
import { Args, Flags } from '@oclif/core';
import { McpCommand, ResultFailure } from '../../lib/base-command';
import { exitCodeFor } from '../../lib/exit-codes';
import { formatMs, renderTable } from '../../lib/output';
import type * as Discover from '../../../src/mcp/setup/discover-servers';
import type * as CliLogger from '../../lib/logger';

export default class McpDiscover extends McpCommand {
  static override description =
    'Discover the tools of one server (or chain), or of every enabled server, and record them in .mcp.tools.json. Fresh cache entries are reused unless --force.';

  static override examples = [
    '<%= config.bin %> mcp discover',
    '<%= config.bin %> mcp discover sequential-thinking --json',
    '<%= config.bin %> mcp discover --force',
  ];

  static override args = {
    server: Args.string({ description: 'Server or chain name; default every enabled server.' }),
  };

  static override flags = {
    force: Flags.boolean({ description: "Ignore the cache's TTL and ask the servers again." }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(McpDiscover);
    const configPath = this.configPath(flags.config);
    const { discoverServers } = require('../../../src/mcp/setup/discover-servers') as typeof Discover;
    const { cliLogger } = require('../../lib/logger') as typeof CliLogger;
    this.progress.start(`Discovering tools${args.server ? ` of ${args.server}` : ''}`);
    const { servers: results, secretValues } = await discoverServers(
      configPath,
      args.server ? [args.server] : undefined,
      {
        force: flags.force,
        toolsPath: this.toolsPath(configPath),
        logger: cliLogger(),
      },
    );
    for (const value of secretValues) this.secrets.add(value);
    if (results.length > 0) {
      this.log(
        renderTable(results, [
          { header: 'SERVER', get: (r) => r.server },
          { header: 'STATUS', get: (r) => (r.ok ? (r.fromCache ? 'cached' : 'ok') : 'failed') },
          { header: 'TOOLS', get: (r) => String(r.tools.length) },
          { header: 'TIME', get: (r) => (r.fromCache ? '-' : formatMs(r.durationMs)) },
          {
            header: 'NAMES',
            get: (r) => (r.ok ? summarise(r.tools.map((t) => t.name)) : (r.error?.message ?? '')),
          },
        ]),
      );
    }
    const document = { toolsFile: this.toolsPath(configPath), servers: results };
    const failed = results.filter((r) => !r.ok);
    if (results.length === 0) this.stderr('No enabled servers to discover. Add one with: ai mcp setup\n');
    const first = failed[0];
    if (first) {
      throw new ResultFailure(
        exitCodeFor({ code: first.error?.code }),
        `Discovery failed for ${failed.map((f) => f.server).join(', ')}: ${first.error?.message ?? 'unknown error'}`,
        document,
      );
    }
    return document;
  }
}

function summarise(names: string[]): string {
  const shown = names.slice(0, 6).join(', ');
  return names.length > 6 ? `${shown}, … (+${names.length - 6})` : shown;
}
