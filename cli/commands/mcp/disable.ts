/** `ai mcp disable <server>`: flips the server's `enabled` flag in .mcp.json, nothing else. */
import { Args } from '@oclif/core';
import { McpCommand } from '../../lib/base-command';
import type * as Manage from '../../../src/mcp/setup/manage-servers';

export default class McpDisable extends McpCommand {
  static override description = 'Disable a configured MCP server without removing its configuration.';

  static override examples = [
    '<%= config.bin %> mcp disable github',
    '<%= config.bin %> mcp disable github --config ./other/.mcp.json --json',
  ];

  static override args = {
    server: Args.string({ description: 'Name of the server in .mcp.json.', required: true }),
  };

  async run(): Promise<Manage.EnableResult> {
    const { args, flags } = await this.parse(McpDisable);
    const { setServerEnabled } = require('../../../src/mcp/setup/manage-servers') as typeof Manage;
    const result = await setServerEnabled(this.configPath(flags.config), args.server, false);
    this.log(result.changed ? `${args.server} is now disabled.` : `${args.server} was already disabled.`);
    return result;
  }
}
