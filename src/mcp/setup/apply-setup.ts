/**
 * Carries out a setup plan as one unit: install, validate, test, write, discover. Nothing is
 * written until the server has been validated and tested against the candidate configuration,
 * and if writing or discovery fails, `.mcp.json`, `.env` and `.gitignore` are put back as they were.
 */
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { AppError } from '../../shared/errors';
import { buildMcpConfig, loadExpansionEnv, type McpServerConfig } from '../config';
import { restoreFile, writeFileAtomic } from './atomic-write';
import { writeEnvFile, ENV_FILE_MODE } from './env-file';
import { applyGitignore } from './gitignore';
import { runInstallSteps } from './installer';
import type { SetupPlan } from './setup-plan';
import type { ProbeStep } from '../probe';
import { probeFailureCode } from './probe-outcome';

export type SetupStepName = 'install' | 'validate' | 'test' | 'write' | 'discover';

export interface DiscoveredTools {
  ok: boolean;
  tools: { name: string; description?: string }[];
  durationMs: number;
  error?: string;
}

export interface SetupDependencies {
  /** Connects to the server and reports timed steps (the MCP framework's `testServer`). */
  testServer?: (server: McpServerConfig) => Promise<ProbeStep[]>;
  /** Refreshes `.mcp.tools.json` for one server (the MCP framework's `discoverTools`). */
  discover?: (configPath: string, server: string) => Promise<DiscoveredTools>;
  onStep?: (step: SetupStepName, state: 'start' | 'done' | 'skip' | 'fail', detail?: string) => void;
  /** npm's output while installing. */
  onOutput?: (chunk: string) => void;
}

export interface SetupResult {
  name: string;
  action: 'add' | 'update';
  steps: { step: SetupStepName; ok: boolean; durationMs: number; detail?: string }[];
  probe: ProbeStep[];
  tools: { name: string; description?: string }[];
  warnings: string[];
}

/** Thrown when the server was tried and failed: names the failing probe step and carries its hint. */
export class SetupStepError extends AppError {
  constructor(
    readonly step: SetupStepName,
    message: string,
    readonly probe: ProbeStep[],
    code: AppError['code'],
    cause?: unknown,
  ) {
    super(code, message, { details: { step, probe }, cause });
    this.name = 'SetupStepError';
  }
}

export async function applySetup(plan: SetupPlan, deps: SetupDependencies = {}): Promise<SetupResult> {
  const result: SetupResult = {
    name: plan.name,
    action: plan.action,
    steps: [],
    probe: [],
    tools: [],
    warnings: [],
  };
  const timed = async <T>(step: SetupStepName, fn: () => Promise<T>, detail?: string): Promise<T> => {
    deps.onStep?.(step, 'start', detail);
    const started = performance.now();
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      deps.onStep?.(step, 'fail', (error as Error).message);
      throw error;
    }
    result.steps.push({ step, ok: true, durationMs: Math.round(performance.now() - started), detail });
    deps.onStep?.(step, 'done', detail);
    return value;
  };

  if (plan.install.length > 0) {
    await timed(
      'install',
      () => runInstallSteps(plan.install, deps.onOutput ?? (() => {})),
      plan.install.map((s) => s.display).join(' && '),
    );
  } else deps.onStep?.('install', 'skip', plan.installNote);

  const server = await timed('validate', async () => {
    try {
      return await validateCandidate(plan);
    } catch (error) {
      // Untested setups may reference a variable that is only set where the server will run.
      const variable = (error as AppError).details?.variable;
      if (deps.testServer || typeof variable !== 'string') throw error;
      result.warnings.push(
        `${variable} is not set here; export it or add it to ${plan.envFile} before the server is used.`,
      );
      return undefined;
    }
  });

  if (deps.testServer) {
    const probe = await timed('test', async () => {
      const steps = await deps.testServer!(server as McpServerConfig);
      const failed = steps.find((s) => !s.ok);
      if (failed) throw probeFailure(plan.name, failed, steps);
      return steps;
    });
    result.probe = probe;
  } else deps.onStep?.('test', 'skip');

  await timed('write', () => commit(plan));

  if (deps.discover) {
    try {
      const discovered = await timed('discover', () => deps.discover!(plan.configFile, plan.name));
      if (!discovered.ok)
        throw new AppError(
          'MCP_SERVER_UNAVAILABLE',
          `Tool discovery for "${plan.name}" failed: ${discovered.error ?? 'unknown error'}.`,
        );
      result.tools = discovered.tools;
    } catch (error) {
      await rollback(plan);
      throw error;
    }
  } else deps.onStep?.('discover', 'skip');
  return result;
}

/**
 * Validates the whole candidate file without expanding (other servers may use variables that are
 * unset here), then expands just this server, with the new secrets, into the config `testServer` needs.
 */
async function validateCandidate(plan: SetupPlan): Promise<McpServerConfig> {
  buildMcpConfig(plan.configAfter, plan.configFile, undefined);
  const root = parseJsonc(plan.configAfter) as Record<string, Record<string, unknown> | undefined>;
  const form = root.servers && plan.name in root.servers ? 'servers' : 'mcpServers';
  const single = { global_config: root.global_config, [form]: { [plan.name]: root[form]?.[plan.name] } };
  const env = {
    ...(await loadExpansionEnv(plan.configFile, {
      envFile: plan.envBefore === undefined ? undefined : plan.envFile,
    })),
    ...Object.fromEntries(plan.envVariables.map((name, i) => [name, plan.secretValues[i]])),
  };
  const hint = path.relative(process.cwd(), plan.envFile) || '.env';
  return buildMcpConfig(JSON.stringify(single), plan.configFile, env, hint).servers[
    plan.name
  ] as McpServerConfig;
}

async function commit(plan: SetupPlan): Promise<void> {
  try {
    if (plan.envAfter !== undefined && plan.envAfter !== plan.envBefore)
      await writeEnvFile(plan.envFile, plan.envAfter);
    await applyGitignore(plan.gitignore);
    await writeFileAtomic(plan.configFile, plan.configAfter);
  } catch (error) {
    await rollback(plan);
    throw error;
  }
}

async function rollback(plan: SetupPlan): Promise<void> {
  await restoreFile(plan.envFile, plan.envBefore, ENV_FILE_MODE).catch(() => undefined);
  if (plan.gitignore.add !== undefined)
    await restoreFile(plan.gitignore.file, plan.gitignore.before).catch(() => undefined);
  await restoreFile(plan.configFile, plan.configBefore).catch(() => undefined);
}

function probeFailure(name: string, failed: ProbeStep, steps: ProbeStep[]): SetupStepError {
  const hint = failed.hint ? ` ${failed.hint}.` : '';
  return new SetupStepError(
    'test',
    `Testing "${name}" failed at step "${failed.step}": ${failed.error ?? 'failed'}.${hint} Nothing was written; fix this and run setup again, or pass --skip-test to save the configuration untested.`,
    steps,
    probeFailureCode(failed),
  );
}
