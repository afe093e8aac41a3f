/**
 * The `.env` secret store. Setup keeps API keys here so `.mcp.json` holds only `${VAR}` references.
 * Edits keep every other line (comments, order, other variables) as it was, and the file is
 * always written with mode 0600 because it holds credentials.
 */
import { parse } from 'dotenv';
import { AppError } from '../../shared/errors';
import { readFileIfExists, writeFileAtomic } from './atomic-write';

export const ENV_FILE_MODE = 0o600;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvFileContent {
  file: string;
  /** The raw text, undefined when the file does not exist yet. */
  text: string | undefined;
  values: Record<string, string>;
}

export async function readEnvFile(file: string): Promise<EnvFileContent> {
  const text = await readFileIfExists(file);
  return { file, text, values: text === undefined ? {} : parse(text) };
}

/** Returns the new text with each variable set: existing lines are replaced in place, new ones appended. */
export function setEnvValues(text: string | undefined, values: Record<string, string>): string {
  const lines = text === undefined || text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  for (const [name, value] of Object.entries(values)) {
    assertName(name);
    const line = `${name}=${quote(name, value)}`;
    const index = lines.findIndex((l) => lineName(l) === name);
    if (index >= 0) lines[index] = line;
    else lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** Returns the new text without the given variables. */
export function removeEnvValues(text: string, names: readonly string[]): string {
  const kept = text
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)
    .filter((l) => !names.includes(lineName(l) ?? ''));
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

export async function writeEnvFile(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { mode: ENV_FILE_MODE });
}

function lineName(line: string): string | undefined {
  return /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
}

function assertName(name: string): void {
  if (!NAME.test(name)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `"${name}" is not a valid environment variable name (letters, digits, _).`,
      {
        details: { field: name },
      },
    );
  }
}

/** Quotes so dotenv reads back exactly the same value. */
function quote(name: string, value: string): string {
  if (/^[A-Za-z0-9_\-.,/:@+%]*$/.test(value)) return value;
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  if (!value.includes('"') && !/[\r\n]/.test(value)) return `"${value}"`;
  throw new AppError(
    'BAD_USER_INPUT',
    `The value for ${name} contains both quote kinds or a line break, which .env cannot hold safely. Set ${name} in the environment instead.`,
    { details: { field: name } },
  );
}
