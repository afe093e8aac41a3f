/**
 * Helpers for the CLI tests. `runAi` runs a command in process through oclif's real config and
 * parser (`runCommand` from @oclif/test), pointed at the TypeScript sources so jest transforms and
 * measures them. `runBinary` runs the real `cli/bin/run.js` as a child process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { run, settings } from '@oclif/core';
import { captureOutput } from '@oclif/test';

// oclif asks wsl-utils (ESM-only) whether it runs under WSL; jest runs CommonJS, so answer here.
jest.mock('wsl-utils', () => ({ isWsl: false, powerShellPath: async () => 'powershell.exe' }));

export const repoRoot = path.resolve(__dirname, '..', '..');
export const binDir = path.join(repoRoot, 'node_modules', '.bin');
const pjson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

export interface AiResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The error oclif would print last (for errors raised outside a command, e.g. by a hook). */
  errorMessage?: string;
  json: () => Record<string, unknown>;
}

export async function runAi(args: string[]): Promise<AiResult> {
  settings.enableAutoTranspile = false;
  // oclif prints through console.*; jest's console decorates output, so route it to the real streams
  // (which captureOutput records) for the duration of the command.
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  console.log = console.info = (...a: unknown[]) => void process.stdout.write(`${format(...a)}\n`);
  console.error = console.warn = (...a: unknown[]) => void process.stderr.write(`${format(...a)}\n`);
  const result = await captureOutput(() =>
    run(args, {
      root: repoRoot,
      pjson: {
        ...pjson,
        oclif: {
          ...pjson.oclif,
          commands: './cli/commands',
          helpClass: './cli/lib/help',
          hooks: { command_not_found: './cli/hooks/command-not-found' },
        },
      },
    }),
  ).finally(() => Object.assign(console, saved));
  const error = result.error as (Error & { oclif?: { exit?: number } }) | undefined;
  const exitCode = error ? (error.oclif?.exit ?? 1) : 0;
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    exitCode,
    errorMessage: error?.message,
    json: () => JSON.parse(result.stdout),
  };
}

export function tempProject(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ai-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

export function read(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), 'utf8');
}

/** The real binary, as a user runs it: separate process, real exit code, real stdout/stderr. */
export function runBinary(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'cli', 'bin', 'run.js'), ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}`, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, exitCode: code ?? 1 }));
    child.stdin.end(options.input ?? '');
  });
}

/** A PATH that finds the MCP servers installed as devDependencies. */
export function withServersOnPath(): () => void {
  const previous = process.env.PATH;
  process.env.PATH = `${binDir}${path.delimiter}${previous}`;
  return () => {
    process.env.PATH = previous;
  };
}

/**
 * Makes a file impossible to replace, even for root (`chattr +i`); falls back to a read-only folder
 * for non-root users. Returns undo, or undefined when neither works here.
 */
export function makeUnwritable(file: string): (() => void) | undefined {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const { chmodSync } = require('node:fs') as typeof import('node:fs');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
  } catch {
    if (process.getuid?.() === 0) return undefined;
    const dir = path.dirname(file);
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
}

export interface TerminalStep {
  /** Wait until the screen shows this (searching only output that arrived after the previous step). */
  expect: RegExp;
  /** Then type this (use '\r' for Enter, '\x1b[B' for arrow down). */
  send: string;
}

/**
 * Runs the real binary in a pseudo-terminal (util-linux `script`), so @inquirer/prompts draws and
 * reads real prompts, and types the answers when each prompt appears.
 */
export function runInTerminal(
  args: string[],
  steps: TerminalStep[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ screen: string; exitCode: number }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, path.join(repoRoot, 'cli', 'bin', 'run.js'), ...args]
    .map(quote)
    .join(' ');
  return new Promise((resolve, reject) => {
    // A wide terminal, so prompts naming long temp paths do not wrap (COLUMNS alone is not read).
    const child = spawn('script', ['-qfec', `stty cols 200 rows 50 2>/dev/null; ${command}`, '/dev/null'], {
      cwd: options.cwd ?? repoRoot,
      env: {
        ...process.env,
        TERM: 'xterm',
        COLUMNS: '200',
        PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let searchFrom = 0;
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`terminal session timed out waiting for ${steps[next]?.expect}; screen:\n${screen}`));
    }, options.timeoutMs ?? 60_000);
    const advance = () => {
      const step = steps[next];
      if (!step) return;
      const match = step.expect.exec(screen.slice(searchFrom));
      if (!match) return;
      searchFrom += match.index + match[0].length;
      next += 1;
      // Type one key at a time, as a person would; prompts read keypress by keypress.
      // eslint-disable-next-line no-control-regex -- splitting escape sequences is the point
      const keys = step.send.match(/\x1b\[[A-D]|[\s\S]/g) ?? [];
      let i = 0;
      const typeNext = () => {
        if (i >= keys.length) return advance();
        child.stdin.write(keys[i] as string);
        i += 1;
        setTimeout(typeNext, 15);
      };
      setTimeout(typeNext, 50);
    };
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString();
      advance();
    });
    child.stderr.on('data', (c: Buffer) => (screen += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ screen, exitCode: code ?? 1 });
    });
  });
}
