/**
 * Installing and uninstalling npm-packaged MCP servers, and the command each install mode implies:
 * - global: `npm install -g <pkg>`, then the server runs as its bin on PATH (the design's way);
 * - local: `npm install <pkg>` in the project, then `npx --no-install <pkg>` runs the local copy;
 * - none: nothing is installed; `npx -y <pkg>` fetches it on first start (slow cold start).
 * Every step is returned as a plan first so the CLI can print exactly what it runs.
 */
import { spawn } from 'node:child_process';
import { AppError } from '../../shared/errors';
import { CATALOG, type CatalogVariant, type InstallMode, type NpmPackage } from './catalog';

export interface InstallStep {
  command: string;
  args: string[];
  cwd: string;
  /** The command line as printed to the user. */
  display: string;
}

export function npmCommand(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

function step(args: string[], cwd: string): InstallStep {
  return { command: npmCommand(), args, cwd, display: ['npm', ...args].join(' ') };
}

export function planInstall(
  pkg: NpmPackage | undefined,
  mode: InstallMode,
  projectDir: string,
): InstallStep[] {
  if (!pkg || mode === 'none') return [];
  if (mode === 'global') return [step(['install', '-g', pkg.name], projectDir)];
  return [step(['install', '--no-audit', '--no-fund', pkg.name], projectDir)];
}

export function planUninstall(pkg: NpmPackage, mode: InstallMode, projectDir: string): InstallStep[] {
  if (mode === 'none') return [];
  if (mode === 'global') return [step(['uninstall', '-g', pkg.name], projectDir)];
  return [step(['uninstall', '--no-audit', '--no-fund', pkg.name], projectDir)];
}

/** The command and leading args that start a variant installed in the given mode. */
export function launchCommand(
  variant: CatalogVariant,
  mode: InstallMode,
): { command: string; args: string[] } {
  const pkg = variant.package;
  if (!pkg) return { command: variant.command as string, args: [...(variant.args ?? [])] };
  if (mode === 'global') return { command: pkg.bin, args: [...(variant.args ?? [])] };
  if (mode === 'local') return { command: 'npx', args: ['--no-install', pkg.name, ...(variant.args ?? [])] };
  return { command: 'npx', args: ['-y', pkg.name, ...(variant.args ?? [])] };
}

/**
 * Works out, from a server entry's command, which catalog package it runs and how it was installed,
 * so `remove --uninstall` can undo exactly what setup did (nothing is recorded elsewhere).
 */
export function detectInstall(
  command: string | undefined,
  args: readonly string[],
): { pkg: NpmPackage; mode: InstallMode } | undefined {
  if (!command) return undefined;
  const words = [...command.trim().split(/\s+/), ...args];
  const packages = CATALOG.flatMap((e) => e.variants.flatMap((v) => (v.package ? [v.package] : [])));
  const [head, ...rest] = words;
  const bin = packages.find((p) => p.bin === head);
  if (bin) return { pkg: bin, mode: 'global' };
  if (head !== 'npx') return undefined;
  const name = rest.find((w) => !w.startsWith('-'));
  const pkg = packages.find((p) => p.name === name || p.bin === name);
  if (!pkg) return undefined;
  return { pkg, mode: rest.includes('--no-install') || rest.includes('--no') ? 'local' : 'none' };
}

/** Runs the steps in order; npm's output goes to `output` (stderr in the CLI), never stdout. */
export async function runInstallSteps(
  steps: readonly InstallStep[],
  output: (chunk: string) => void,
): Promise<void> {
  for (const s of steps) await runStep(s, output);
}

function runStep(s: InstallStep, output: (chunk: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const child = spawn(s.command, s.args, {
      cwd: s.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-2000);
      output(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new AppError(
          'INTERNAL_SERVER_ERROR',
          `Could not run "${s.display}": ${error.code ?? error.message}. Is npm installed and on PATH?`,
          {
            details: { command: s.display },
            cause: error,
          },
        ),
      );
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const network = /ENOTFOUND|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|network/i.test(tail);
      reject(
        new AppError(
          network ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR',
          `"${s.display}" failed with exit code ${code}. ${network ? 'The npm registry could not be reached; check the network or proxy settings, or use --install none.' : "See npm's output above; for a global install you may need permissions for npm's global prefix, or use --install local."}`,
          { details: { command: s.display, exitCode: code, output: tail.slice(-500) } },
        ),
      );
    });
  });
}
