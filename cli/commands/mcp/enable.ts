/** `ai mcp enable <server>`: flips the server's `enabled` flag in .mcp.json, nothing else. */
import { Args } from '@oclif/core';
import { McpCommand } from '../../lib/base-command';
import type * as Manage from '../../../src/mcp/setup/manage-servers';

export default class McpEnable extends McpCommand {
  static override description =
    'Enable a configured MCP server (it is started and its tools are offered again).';

  static override examples = [
    '<%= config.bin %> mcp enable github',
    '<%= config.bin %> mcp enable github --config ./other/.mcp.json --json',
  ];

  static override args = {
    server: Args.string({ description: 'Name of the server in .mcp.json.', required: true }),
  };

  async run(): Promise<Manage.EnableResult> {
    const { args, flags } = await this.parse(McpEnable);
    const { setServerEnabled } = require('../../../src/mcp/setup/manage-servers') as typeof Manage;
    const result = await setServerEnabled(this.configPath(flags.config), args.server, true);
    this.log(result.changed ? `${args.server} is now enabled.` : `${args.server} was already enabled.`);
    return result;
  }
}
