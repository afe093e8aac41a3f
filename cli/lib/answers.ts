/**
 * Resolves every answer a command needs in the same order: the flag, then `--yes` defaults, then
 * an interactive prompt. Without a terminal nothing ever waits for input: a missing answer fails
 * with the flag that would have supplied it. Prompts render on stderr so `--json` output stays clean.
 * `@inquirer/prompts` is loaded only when a prompt is really shown (it is slow to load).
 */
import { AppError } from '../../src/shared/errors';

export interface AnswerContext {
  /** `--yes` / `--non-interactive`: take defaults, never prompt. */
  yes: boolean;
  /** stdin and stderr are terminals. */
  interactive: boolean;
}

export function answerContext(yes: boolean): AnswerContext {
  return { yes, interactive: Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY) };
}

type Prompts = typeof import('@inquirer/prompts');
const promptContext = () => ({ input: process.stdin, output: process.stderr });
function prompts(): Prompts {
  return require('@inquirer/prompts') as Prompts;
}

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export class Answers {
  constructor(private readonly ctx: AnswerContext) {}

  get canPrompt(): boolean {
    return this.ctx.interactive && !this.ctx.yes;
  }

  async text(q: { flag: string; value?: string; default?: string; message: string }): Promise<string> {
    if (q.value !== undefined) return q.value;
    if (this.ctx.yes && q.default !== undefined) return q.default;
    this.needPrompt(q.flag, q.default !== undefined);
    return prompts().input({ message: q.message, default: q.default }, promptContext());
  }

  /** A secret: masked when typed; under `--yes` or without a terminal a missing one is exit code 4. */
  async secret(q: {
    flag: string;
    variable: string;
    value?: string;
    message: string;
    help: string;
  }): Promise<string> {
    if (q.value !== undefined && q.value !== '') return q.value;
    if (!this.canPrompt) {
      throw new AppError(
        'SECRET_MISSING',
        `${q.variable} is required and not set. Pass ${q.flag}, export ${q.variable}, or add it to .env. ${q.help}`,
        { details: { variable: q.variable, flag: q.flag } },
      );
    }
    return prompts().password(
      {
        message: `${q.message} (${q.variable})`,
        mask: '*',
        validate: (v) => (v.trim() === '' ? `${q.variable} must not be empty. ${q.help}` : true),
      },
      promptContext(),
    );
  }

  async select<T extends string>(q: {
    flag: string;
    value?: string;
    default?: T;
    message: string;
    choices: readonly Choice<T>[];
  }): Promise<T> {
    if (q.value !== undefined) {
      const found = q.choices.find((c) => c.value === q.value);
      if (!found) {
        throw new AppError(
          'BAD_USER_INPUT',
          `${q.flag} must be one of ${q.choices.map((c) => c.value).join(', ')} (got "${q.value}").`,
          { details: { flag: q.flag } },
        );
      }
      return found.value;
    }
    if (this.ctx.yes && q.default !== undefined) return q.default;
    this.needPrompt(q.flag, q.default !== undefined);
    return prompts().select<T>(
      { message: q.message, choices: [...q.choices], default: q.default },
      promptContext(),
    );
  }

  async confirm(q: { flag: string; value?: boolean; message: string; default: boolean }): Promise<boolean> {
    if (q.value !== undefined) return q.value;
    if (this.ctx.yes) return true;
    this.needPrompt(q.flag, true);
    return prompts().confirm({ message: q.message, default: q.default }, promptContext());
  }

  private needPrompt(flag: string, hasDefault: boolean): void {
    if (this.ctx.interactive && !this.ctx.yes) return;
    if (flag === '--yes') {
      throw new AppError(
        'BAD_USER_INPUT',
        'Confirmation needed and there is no terminal to ask. Pass --yes to confirm.',
        {
          details: { flag },
        },
      );
    }
    const orYes = hasDefault ? ', or --yes to take the default' : '';
    throw new AppError(
      'BAD_USER_INPUT',
      `Missing ${flag}: there is no terminal to ask. Pass ${flag}${orYes}.`,
      {
        details: { flag },
      },
    );
  }
}
