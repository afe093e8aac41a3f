/**
 * Keeps the secret store out of git: the `.env` file must be listed in the project's `.gitignore`.
 */
import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomic-write';

export interface GitignorePlan {
  file: string;
  /** The entry that will be appended, or undefined when the file is already ignored. */
  add: string | undefined;
  before: string | undefined;
  after: string | undefined;
}

/** Works out whether `ignoredFile` is covered by `<projectDir>/.gitignore`, and what to append if not. */
export async function planGitignore(projectDir: string, ignoredFile: string): Promise<GitignorePlan> {
  const file = path.join(projectDir, '.gitignore');
  const before = await readFileIfExists(file);
  const relative = path.relative(projectDir, ignoredFile).split(path.sep).join('/');
  if (relative.startsWith('..') || isIgnored(before ?? '', relative)) {
    return { file, add: undefined, before, after: before };
  }
  const prefix = before === undefined || before === '' ? '' : before.endsWith('\n') ? '' : '\n';
  const after = `${before ?? ''}${prefix}# secrets for MCP servers (written by ai mcp setup)\n${relative}\n`;
  return { file, add: relative, before, after };
}

export async function applyGitignore(plan: GitignorePlan): Promise<void> {
  if (plan.add !== undefined && plan.after !== undefined) await writeFileAtomic(plan.file, plan.after);
}

/** Exact entries and the usual `.env` globs; negations later in the file re-include it. */
function isIgnored(text: string, relative: string): boolean {
  const base = relative.split('/').pop() as string;
  let ignored = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\//, '');
    if (matches(pattern, relative, base)) ignored = !negated;
  }
  return ignored;
}

function matches(pattern: string, relative: string, base: string): boolean {
  if (pattern === relative || pattern === base) return true;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  return regex.test(relative) || (!pattern.includes('/') && regex.test(base));
}
