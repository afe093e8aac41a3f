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
  return { stdout: result.stdout, stderr: result.stderr, exitCode, json: () => JSON.parse(result.stdout) };
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
