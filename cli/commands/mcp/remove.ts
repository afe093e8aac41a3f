/** `ai mcp remove <server>`: confirms, then removes (or with --keep-config disables) a server. */
import { Args, Flags } from '@oclif/core';
import { McpCommand } from '../../lib/base-command';
import type * as Manage from '../../../src/mcp/setup/manage-servers';
import type * as Installer from '../../../src/mcp/setup/installer';

export default class McpRemove extends McpCommand {
  static override description =
    'Remove a server from .mcp.json and .mcp.tools.json, after confirming. Chains that reference it are updated and reported.';

  static override examples = [
    '<%= config.bin %> mcp remove brave-search',
    '<%= config.bin %> mcp remove brave-search --yes --uninstall',
    '<%= config.bin %> mcp remove github --keep-config',
  ];

  static override args = {
    server: Args.string({ description: 'Name of the server in .mcp.json.', required: true }),
  };

  static override flags = {
    uninstall: Flags.boolean({ description: 'Also uninstall the npm package setup installed for it.' }),
    'keep-config': Flags.boolean({ description: 'Disable the server instead of deleting its entry.' }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(McpRemove);
    const configPath = this.configPath(flags.config);
    const manage = require('../../../src/mcp/setup/manage-servers') as typeof Manage;
    const plan = await manage.planRemoval(configPath, args.server, {
      keepConfig: flags['keep-config'],
      uninstall: flags.uninstall,
    });
    for (const chain of plan.chains) {
      this.stderr(
        `! chain "${chain}" references ${args.server}; it will ${plan.action === 'remove' ? 'no longer include it' : 'skip it while disabled'}.\n`,
      );
    }
    const verb = plan.action === 'remove' ? 'Remove' : 'Disable';
    const confirmed = await this.answers(flags.yes).confirm({
      flag: '--yes',
      message: `${verb} "${args.server}" from ${configPath}?`,
      default: false,
    });
    if (!confirmed) {
      this.log('Nothing changed.');
      return { server: args.server, action: 'none', chains: plan.chains };
    }
    const result = await manage.applyRemoval(configPath, this.toolsPath(configPath), plan);
    this.progress.done(`${verb}d ${args.server}`);
    if (plan.uninstall.length > 0) {
      const { runInstallSteps } = require('../../../src/mcp/setup/installer') as typeof Installer;
      for (const step of plan.uninstall) this.progress.info(`$ ${step.display}`);
      await runInstallSteps(plan.uninstall, (chunk) => this.stderr(chunk));
      this.progress.done('Uninstalled');
    } else if (plan.uninstallNote) this.progress.info(plan.uninstallNote);
    this.log(`${args.server} ${plan.action === 'remove' ? 'removed' : 'disabled'}.`);
    return {
      server: args.server,
      action: plan.action,
      chains: plan.chains,
      ...result,
      uninstalled: plan.uninstall.map((s) => s.display),
    };
  }
}
