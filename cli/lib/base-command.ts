/**
 * The base of every `ai mcp` command: the shared flags (`--json`, `--yes`, `--config`), error
 * handling that turns any failure into one documented exit code and a message that says what to
 * do next, and `--json` error documents. Commands stay thin: parse, call a service, print.
 */
import path from 'node:path';
import { format } from 'node:util';
import { redactKnown } from '../../src/mcp/setup/redact';
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

  /** Secret values this run has seen (keys given, variables expanded); never printed. */
  protected readonly secrets = new Set<string>();

  protected progress = new Progress((text) => this.stderr(text));

  /** Everything this command prints goes through here (or `log`/`logJson`, which call it). */
  protected redact(text: string): string {
    return this.secrets.size === 0 ? text : redactKnown(text, this.secrets);
  }

  protected stderr(text: string): void {
    process.stderr.write(this.redact(text));
  }

  override log(message = '', ...args: unknown[]): void {
    super.log(this.redact(format(message, ...args)));
  }

  override logJson(json: unknown): void {
    super.logJson(this.secrets.size === 0 ? json : redactDeep(json, (t) => this.redact(t)));
  }

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
      this.stderr(`Error: ${error.message}\n`);
      if (exitCode === ExitCode.usage && !/--help/.test(error.message)) {
        this.stderr(`See: ai ${(this.id ?? '').replaceAll(':', ' ')} --help\n`);
      }
      if (exitCode === ExitCode.unexpected && process.env.DEBUG) this.stderr(`${error.stack}\n`);
    }
    return this.exit(exitCode);
  }
}

function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  }
  return value;
}
