/** `ai mcp list`: configured servers from files only; `--check` connects, `--available` shows the catalog. */
import { Flags } from '@oclif/core';
import { McpCommand, ResultFailure } from '../../lib/base-command';
import { exitCodeFor } from '../../lib/exit-codes';
import { formatAge, formatMs, renderTable } from '../../lib/output';
import type * as ListModule from '../../../src/mcp/setup/list-servers';
import type * as CatalogModule from '../../../src/mcp/setup/catalog';
import type * as CheckModule from '../../lib/check-servers';

export default class McpList extends McpCommand {
  static override description =
    'List the configured MCP servers: transport, enabled, command or URL (secrets redacted), cached tool count and age. Connects only with --check.';

  static override examples = [
    '<%= config.bin %> mcp list',
    '<%= config.bin %> mcp list --json',
    '<%= config.bin %> mcp list --check',
    '<%= config.bin %> mcp list --tools',
    '<%= config.bin %> mcp list --available',
  ];

  static override flags = {
    check: Flags.boolean({
      description: 'Connect to every enabled server (concurrently) and add status and latency.',
    }),
    tools: Flags.boolean({
      description:
        "Also show each server's cached tools and their arguments (from .mcp.tools.json; run discover first).",
    }),
    available: Flags.boolean({ description: 'List the servers `ai mcp setup` can install instead.' }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(McpList);
    if (flags.available) {
      const { describeCatalog } = require('../../../src/mcp/setup/catalog') as typeof CatalogModule;
      const catalog = describeCatalog();
      this.log(
        renderTable(catalog, [
          { header: 'NAME', get: (e) => e.id },
          { header: 'TITLE', get: (e) => e.title },
          { header: 'KEYS', get: (e) => e.secrets.join(', ') || '-' },
          { header: 'DESCRIPTION', get: (e) => e.description },
        ]),
      );
      return { available: catalog };
    }
    const configPath = this.configPath(flags.config);
    const { listServers } = require('../../../src/mcp/setup/list-servers') as typeof ListModule;
    const list = await listServers(configPath, { toolsPath: this.toolsPath(configPath), tools: flags.tools });
    for (const value of list.secretValues) this.secrets.add(value);
    if (!list.exists) {
      this.stderr(`No MCP configuration at ${configPath}. Add a server with: ai mcp setup\n`);
      return { file: list.file, servers: [], chains: [] };
    }
    const checks = flags.check
      ? await (require('../../lib/check-servers') as typeof CheckModule).checkServers(
          configPath,
          list.servers,
        )
      : undefined;
    const servers = list.servers.map((s) => ({ ...s, ...(checks ? { check: checks[s.name] } : {}) }));
    this.log(
      renderTable(servers, [
        { header: 'NAME', get: (s) => s.name },
        { header: 'TRANSPORT', get: (s) => s.transport },
        { header: 'ENABLED', get: (s) => (s.enabled ? 'yes' : 'no') },
        { header: 'TOOLS', get: (s) => (s.toolCount === undefined ? '-' : String(s.toolCount)) },
        { header: 'CACHED', get: (s) => formatAge(s.cacheAgeMs) },
        ...(checks
          ? [
              { header: 'STATUS', get: (s: (typeof servers)[number]) => s.check?.status ?? '-' },
              { header: 'LATENCY', get: (s: (typeof servers)[number]) => formatMs(s.check?.latencyMs) },
            ]
          : []),
        { header: 'COMMAND / URL', get: (s) => s.target },
      ]),
    );
    if (flags.tools) {
      for (const s of servers) {
        const none = s.tools === undefined || s.tools.length === 0;
        this.log(`\n${s.name}:${none ? ' no tools cached (run ai mcp discover)' : ''}`);
        for (const tool of s.tools ?? []) {
          this.log(
            `  ${tool.name}(${describeArgs(tool.inputSchema)})  ${(tool.description ?? '').split('\n')[0]?.slice(0, 100)}`,
          );
        }
      }
    }
    for (const s of servers.filter((x) => x.enabled && x.unsetVariables.length > 0)) {
      this.stderr(`! ${s.name}: ${s.unsetVariables.join(', ')} not set (export it or add it to .env)\n`);
    }
    const document = { file: list.file, servers, chains: list.chains };
    const failed = servers.filter((s) => s.check?.status === 'failed');
    for (const s of failed)
      this.stderr(`✗ ${s.name}: ${s.check?.error}${s.check?.hint ? `\n  hint: ${s.check.hint}` : ''}\n`);
    const first = failed[0]?.check;
    if (first) {
      throw new ResultFailure(
        exitCodeFor({ code: first.code }),
        `${failed.length} of ${servers.length} servers failed the check.`,
        document,
      );
    }
    return document;
  }
}

/** `query: string, count?: integer` from a JSON schema's properties and required list. */
function describeArgs(schema: Record<string, unknown> | undefined): string {
  const properties = (schema?.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  return Object.entries(properties)
    .map(
      ([name, p]) =>
        `${name}${required.has(name) ? '' : '?'}: ${Array.isArray(p?.type) ? p.type.join('|') : String(p?.type ?? 'any')}`,
    )
    .join(', ');
}
