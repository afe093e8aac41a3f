/**
 * `ai --help`: oclif's root help lists only topics; this adds every command with its examples,
 * so one screen shows everything the CLI can do.
 */
import { Help } from '@oclif/core';

export default class AiHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const lines = ['', 'COMMANDS'];
    for (const command of this.sortedCommands) {
      lines.push(`  ${this.config.bin} ${command.id.replaceAll(':', ' ')}`);
      if (command.summary ?? command.description) {
        lines.push(`      ${(command.summary ?? command.description ?? '').split('\n')[0]}`);
      }
      for (const example of command.examples ?? []) {
        const text = typeof example === 'string' ? example : example.command;
        lines.push(`      $ ${text.replaceAll('<%= config.bin %>', this.config.bin)}`);
      }
    }
    lines.push(
      '',
      'EXIT CODES',
      '  0 ok · 1 unexpected · 2 usage · 3 config invalid · 4 auth or missing secret · 5 unreachable or timeout · 6 tool error',
    );
    this.log(lines.join('\n'));
  }
}
