/**
 * The base of every `ai mcp` command: the shared flags (`--json`, `--yes`, `--config`), error
 * handling that turns any failure into one documented exit code and a message that says what to
 * do next, and `--json` error documents. Commands stay thin: parse, call a service, print.
 */
import path from 'node:path';
import { Command, Flags } from '@oclif/core';
import { Answers, answerContext } from './answers';
import { exitCodeFor, ExitCode } from './exit-codes';
import { Progress } from './output';

/** A failure that still has a full result document to print under `--json` (e.g. a failed test run). */
export class ResultFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly result: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ResultFailure';
  }
}

export abstract class McpCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      description: 'Path of the .mcp.json to use.',
      default: '.mcp.json',
      env: 'AI_MCP_CONFIG',
      helpGroup: 'GLOBAL',
    }),
    yes: Flags.boolean({
      char: 'y',
      aliases: ['non-interactive'],
      description: 'Never prompt: take defaults, fail on anything without one (alias --non-interactive).',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  };

  protected progress = new Progress();

  protected answers(yes: boolean): Answers {
    return new Answers(answerContext(yes));
  }

  protected configPath(flag: string): string {
    return path.resolve(flag);
  }

  /** `.mcp.tools.json` lives beside the config file. */
  protected toolsPath(configPath: string): string {
    return path.join(path.dirname(configPath), '.mcp.tools.json');
  }

  override async catch(error: Error & { exitCode?: number }): Promise<never> {
    const exitCode = error instanceof ResultFailure ? error.exitCode : exitCodeFor(error);
    const code = (error as { code?: unknown }).code;
    const body = {
      code: typeof code === 'string' ? code : exitCode === ExitCode.usage ? 'USAGE' : 'UNEXPECTED',
      message: error.message,
      exitCode,
      details: (error as { details?: unknown }).details,
    };
    if (this.jsonEnabled()) {
      const result = error instanceof ResultFailure ? error.result : {};
      this.logJson({ ...result, ok: false, error: body });
    } else {
      process.stderr.write(`Error: ${error.message}\n`);
      if (exitCode === ExitCode.usage && !/--help/.test(error.message)) {
        process.stderr.write(`See: ai ${(this.id ?? '').replaceAll(':', ' ')} --help\n`);
      }
      if (exitCode === ExitCode.unexpected && process.env.DEBUG) process.stderr.write(`${error.stack}\n`);
    }
    return this.exit(exitCode);
  }
}
