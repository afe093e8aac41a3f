/** An unknown command is a usage error (exit 2) with "did you mean" from the real command list. */
import { Errors, type Hook } from '@oclif/core';
import { suggestNames } from '../../src/mcp/setup/suggest';

const hook: Hook<'command_not_found'> = async function (options) {
  const typed = options.id.replaceAll(':', ' ');
  const suggestions = suggestNames(options.id, options.config.commandIDs).map(
    (id) => `ai ${id.replaceAll(':', ' ')}`,
  );
  const hint =
    suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
  throw new Errors.CLIError(`"ai ${typed}" is not a command.${hint} Run "ai --help" for the list.`, {
    exit: 2,
  });
};

export default hook;
