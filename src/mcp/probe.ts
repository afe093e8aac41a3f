/**
 * `testServer`: connects to one server the way the registry would and reports each step
 * (start, initialize, listTools, and optionally one call) with its duration, the error, and a hint
 * saying what to do about it. Used by `ai mcp test` and setup's `--check`. Always cleans up: the
 * server's process tree is gone when this returns.
 */
import { isAppError } from '../shared/errors';
import { logger as rootLogger, type Logger } from '../shared/logger';
import { openSession, type McpSession, type TransportFactory } from './client/open-session';
import { referencedVariables } from './config/expand';
import type { McpServerConfig } from './config/types';
import { McpCallError, toMcpError } from './errors';

export type ProbeStepName = 'start' | 'initialize' | 'listTools' | 'call';

export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  durationMs: number;
  /** What went wrong, for people. */
  error?: string;
  /** Stable `AppError` code of the failure. */
  code?: string;
  /** What to do about it. */
  hint?: string;
  /** Short success detail, e.g. "13 tools" or the server's name and version. */
  detail?: string;
}

export interface TestServerOptions {
  call?: { tool: string; args?: Record<string, unknown> };
  /** Startup limit (spawn + handshake); the server's startup timeout by default. */
  timeoutMs?: number;
  logger?: Logger;
  transportFactory?: TransportFactory;
}

function unresolved(server: McpServerConfig): { variable: string; field: string } | undefined {
  const fields: [string, string | undefined][] = [
    ['command', server.command],
    ['url', server.url],
    ...server.args.map((a, i): [string, string] => [`args[${i}]`, a]),
    ...Object.entries(server.env).map(([k, v]): [string, string] => [`env.${k}`, v]),
    ...Object.entries(server.headers).map(([k, v]): [string, string] => [`headers.${k}`, v]),
  ];
  for (const [field, value] of fields) {
    const [variable] = value ? referencedVariables(value) : [];
    if (variable) return { variable, field };
  }
  return undefined;
}

function failedStep(step: ProbeStepName, durationMs: number, error: unknown): ProbeStep {
  const appError = isAppError(error) ? error : toMcpError(error, { server: '', phase: step });
  const hint =
    appError instanceof McpCallError ? appError.hint : (appError.details.hint as string | undefined);
  const message =
    hint && appError.message.endsWith(`. ${hint}`)
      ? appError.message.slice(0, -hint.length - 2)
      : appError.message;
  return { step, ok: false, durationMs, error: message, code: appError.code, hint };
}

export async function testServer(
  server: McpServerConfig,
  options: TestServerOptions = {},
): Promise<ProbeStep[]> {
  const steps: ProbeStep[] = [];
  const missing = unresolved(server);
  if (missing) {
    steps.push({
      step: 'start',
      ok: false,
      durationMs: 0,
      code: 'CONFIG_INVALID',
      error: `variable \${${missing.variable}} used in ${missing.field} of server "${server.name}" is not set`,
      hint: `Export ${missing.variable} in your shell or add "${missing.variable}=..." to the .env file beside .mcp.json`,
    });
    return steps;
  }

  let session: McpSession | undefined;
  try {
    session = await openSession(server, {
      logger: options.logger ?? rootLogger,
      timeoutMs: options.timeoutMs,
      transportFactory: options.transportFactory,
      onStep: (s) => {
        if (s.ok) {
          steps.push({ step: s.step, ok: true, durationMs: s.durationMs });
        } else steps.push(failedStep(s.step, s.durationMs, s.error));
      },
    });
  } catch (error) {
    // openSession reports its own failed step; anything else failed before a step began.
    if (!steps.some((s) => !s.ok)) steps.push(failedStep('start', 0, error));
    return steps;
  }

  try {
    const init = steps.find((s) => s.step === 'initialize');
    if (init && session.serverInfo) init.detail = `${session.serverInfo.name} ${session.serverInfo.version}`;
    const callTimeout = server.timeouts.callMs;
    let started = performance.now();
    try {
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await session.client.listTools(cursor ? { cursor } : {}, { timeout: callTimeout });
        count += page.tools.length;
        cursor = page.nextCursor;
      } while (cursor);
      steps.push({
        step: 'listTools',
        ok: true,
        durationMs: performance.now() - started,
        detail: `${count} tools`,
      });
    } catch (error) {
      steps.push(
        failedStep(
          'listTools',
          performance.now() - started,
          toMcpError(error, session.failureContext('listTools', { timeoutMs: callTimeout })),
        ),
      );
      return steps;
    }

    if (options.call) {
      const { tool, args = {} } = options.call;
      started = performance.now();
      try {
        const result = await session.client.callTool({ name: tool, arguments: args }, undefined, {
          timeout: callTimeout,
        });
        const durationMs = performance.now() - started;
        if (result.isError) {
          const text = (result.content as { type: string; text?: string }[])
            .map((c) => c.text ?? `[${c.type}]`)
            .join(' ');
          steps.push({
            step: 'call',
            ok: false,
            durationMs,
            code: 'MCP_TOOL_ERROR',
            error: `tool "${tool}" reported an error: ${text}`,
            hint: 'Check the arguments against the tool input schema (ai mcp list --tools)',
          });
        } else steps.push({ step: 'call', ok: true, durationMs, detail: `tool "${tool}" answered` });
      } catch (error) {
        steps.push(
          failedStep(
            'call',
            performance.now() - started,
            toMcpError(error, session.failureContext('call', { tool, timeoutMs: callTimeout })),
          ),
        );
      }
    }
    return steps;
  } finally {
    await session.close();
  }
}

/** True when every step succeeded. */
export function probePassed(steps: ProbeStep[]): boolean {
  return steps.length > 0 && steps.every((s) => s.ok);
}
