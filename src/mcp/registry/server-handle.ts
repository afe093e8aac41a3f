/**
 * One configured server's life: lazy start (shared by concurrent callers), health state, restart
 * with backoff after a crash, idle shutdown, the `maxConcurrent` queue, call timeouts and retries
 * of retryable failures. The registry owns one handle per server name.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { openSession, type McpSession, type TransportFactory } from '../client/open-session';
import type { McpServerConfig } from '../config/types';
import { isRetryable, McpCallError, toMcpError, type McpPhase } from '../errors';
import { restartDelayMs, sleep } from './backoff';
import { LatencyWindow } from './latency-window';
import { QueueWaitAborted, Semaphore } from './semaphore';
import type {
  CallToolOptions,
  McpServerState,
  McpServerStartRecord,
  McpServerStatus,
  McpToolCallRecord,
  McpToolResult,
} from './types';

export interface ServerHandleDeps {
  logger: Logger;
  transportFactory?: TransportFactory;
  onToolsChanged?: (server: string, tools: Tool[]) => void;
  /** After every tool call, successful or not (events, slow-call alerts, metrics). */
  onToolCalled?: (call: McpToolCallRecord) => void;
  /** After every start attempt, ready or failed (startup time per server). */
  onServerStarted?: (start: McpServerStartRecord) => void;
}

export class ServerHandle {
  state: McpServerState = 'stopped';
  private session?: McpSession;
  private starting?: Promise<McpSession>;
  private stopping?: Promise<void>;
  private lastError?: { error: AppError; at: Date };
  private consecutiveFailures = 0;
  private nextStartAt = 0;
  private restarts = 0;
  private everStarted = false;
  private startedAt?: Date;
  private idleTimer?: NodeJS.Timeout;
  private tools?: Tool[];
  private readonly semaphore: Semaphore;
  private readonly latency = new LatencyWindow();
  private readonly log: Logger;

  constructor(
    public config: McpServerConfig,
    private readonly deps: ServerHandleDeps,
  ) {
    this.semaphore = new Semaphore(config.maxConcurrent);
    this.log = deps.logger.child({ mcpServer: config.name });
  }

  /** Applies settings that do not need a restart (timeouts, limits). */
  updateSettings(config: McpServerConfig): void {
    this.config = config;
    this.semaphore.resize(config.maxConcurrent);
  }

  private fail(error: AppError): void {
    this.state = 'failed';
    this.lastError = { error, at: new Date() };
    this.consecutiveFailures += 1;
    this.nextStartAt = Date.now() + restartDelayMs(this.consecutiveFailures);
  }

  private async start(): Promise<McpSession> {
    this.state = 'starting';
    const startedAt = performance.now();
    const restart = this.everStarted;
    const report = (ok: boolean, transport: McpServerStartRecord['transport'], errorCode?: string) =>
      this.deps.onServerStarted?.({
        server: this.config.name,
        transport,
        durationMs: performance.now() - startedAt,
        ok,
        errorCode,
        restart,
      });
    try {
      const session = await openSession(this.config, {
        logger: this.deps.logger,
        transportFactory: this.deps.transportFactory,
        onToolsChanged: (tools) => {
          this.tools = tools;
          this.deps.onToolsChanged?.(this.config.name, tools);
        },
      });
      session.onClosed = () => this.onSessionClosed(session);
      this.session = session;
      this.state = 'ready';
      this.startedAt = new Date();
      if (this.everStarted) this.restarts += 1;
      this.everStarted = true;
      this.log.info({ pid: session.pid, transport: session.transportKind }, 'mcp server ready');
      report(true, session.transportKind);
      this.scheduleIdle();
      return session;
    } catch (error) {
      const mapped = toMcpError(error, { server: this.config.name, phase: 'start' });
      this.fail(mapped);
      this.log.warn({ err: mapped.message }, 'mcp server failed to start');
      report(false, this.deps.transportFactory ? 'custom' : this.config.transport, mapped.code);
      throw mapped;
    } finally {
      this.starting = undefined;
    }
  }

  private onSessionClosed(session: McpSession): void {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.stopping || this.state === 'stopped') return;
    const ctx = session.failureContext('call');
    const exit = ctx.exit
      ? ctx.exit.signal
        ? `killed by ${ctx.exit.signal}`
        : `exit code ${ctx.exit.code}`
      : 'connection closed';
    const tail = ctx.stderrTail?.slice(-3).join(' | ');
    const error = new McpCallError(
      'MCP_SERVER_UNAVAILABLE',
      `MCP server "${this.config.name}" stopped unexpectedly (${exit}${tail ? `; stderr: ${tail}` : ''})`,
      ctx,
      { hint: 'It is restarted on the next call' },
    );
    this.fail(error);
    this.log.warn({ err: error.message }, 'mcp server exited');
  }

  /** The live session, starting (or restarting after backoff) the server if needed. */
  private async ensureSession(signal?: AbortSignal): Promise<McpSession> {
    if (this.stopping) await this.stopping;
    if (this.session && this.state === 'ready') return this.session;
    if (!this.starting) {
      const wait = this.nextStartAt - Date.now();
      if (wait > 0) {
        const last = this.lastError?.error.message ?? 'failed';
        if (wait > this.config.timeouts.startupMs) {
          throw new McpCallError(
            'MCP_SERVER_UNAVAILABLE',
            `MCP server "${this.config.name}" is backing off after repeated failures (next attempt in ${Math.ceil(wait / 1000)} s); last error: ${last}`,
            { server: this.config.name, phase: 'start' },
            {},
          );
        }
        await sleep(wait, signal);
      }
      this.starting ??= this.start();
    }
    const starting = this.starting;
    if (!signal) return starting;
    // One caller giving up must not cancel a start other callers share.
    return new Promise<McpSession>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      starting.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private abortedError(signal: AbortSignal, tool?: string): AppError {
    const reason = signal.reason as Error | undefined;
    if (reason?.name === 'TimeoutError') {
      return new McpCallError(
        'MCP_TIMEOUT',
        `call to tool "${tool}" on MCP server "${this.config.name}" hit the caller's deadline`,
        { server: this.config.name, phase: 'call', tool },
        {},
      );
    }
    return new McpCallError(
      'CANCELLED',
      `call to tool "${tool}" on MCP server "${this.config.name}" was cancelled by the caller`,
      { server: this.config.name, phase: 'call', tool },
      {},
    );
  }

  /** Runs `work` with a session and a concurrency slot, mapping failures and retrying retryable ones. */
  private async run<T>(
    phase: McpPhase,
    tool: string | undefined,
    options: CallToolOptions,
    work: (session: McpSession, remainingMs: number) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.config.timeouts.callMs;
    for (let attempt = 0; ; attempt += 1) {
      let session: McpSession | undefined;
      const startedAt = performance.now();
      try {
        session = await this.ensureSession(options.signal);
        // The call deadline starts once the server is up: startup has its own, longer timeout.
        const deadline = Date.now() + timeoutMs;
        const release = await this.semaphore.acquire({ signal: options.signal, deadline });
        this.clearIdle();
        try {
          const result = await work(session, Math.max(1, deadline - Date.now()));
          if (phase === 'call')
            this.latency.record(performance.now() - startedAt, Boolean((result as McpToolResult).isError));
          this.consecutiveFailures = 0;
          return result;
        } finally {
          release();
          this.scheduleIdle();
        }
      } catch (error) {
        let mapped: AppError;
        if (error instanceof QueueWaitAborted && error.reason === 'deadline') {
          mapped = new McpCallError(
            'MCP_TIMEOUT',
            `MCP server "${this.config.name}" is busy: waited ${timeoutMs / 1000} s for one of its ${this.config.maxConcurrent} call slots`,
            { server: this.config.name, phase, tool },
            { hint: 'Raise "max_concurrent" or "timeout" for this server in .mcp.json' },
          );
        } else if (options.signal?.aborted) {
          // The SDK reports an aborted request as a timeout; the caller's signal says what happened.
          mapped = this.abortedError(options.signal, tool);
        } else {
          mapped = toMcpError(
            error,
            session
              ? session.failureContext(phase, { tool, timeoutMs })
              : { server: this.config.name, phase: 'start', tool },
          );
        }
        if (phase === 'call' && session) this.latency.record(performance.now() - startedAt, true);
        if (session && this.session === session && mapped.code === 'MCP_SERVER_UNAVAILABLE') {
          // The connection is suspect (remote gone, session forgotten): reconnect on next use.
          await this.dropSession(session);
          this.fail(mapped);
        }
        if (isRetryable(mapped) && attempt < this.config.retryAttempts && !options.signal?.aborted) {
          this.log.info({ attempt: attempt + 1, err: mapped.message }, 'retrying mcp request');
          continue;
        }
        throw mapped;
      }
    }
  }

  private async dropSession(session: McpSession): Promise<void> {
    this.session = undefined;
    this.state = 'failed';
    await session.close();
  }

  async callTool(
    tool: string,
    args: Record<string, unknown>,
    options: CallToolOptions = {},
  ): Promise<McpToolResult> {
    const started = performance.now();
    const record = (isError: boolean, errorCode?: string) =>
      this.deps.onToolCalled?.({
        server: this.config.name,
        tool,
        durationMs: performance.now() - started,
        argumentBytes: Buffer.byteLength(JSON.stringify(args)),
        isError,
        errorCode,
      });
    try {
      const result = await this.run('call', tool, options, async (session, remainingMs) => {
        const answer = await session.client.callTool({ name: tool, arguments: args }, undefined, {
          timeout: remainingMs,
          signal: options.signal,
        });
        return answer as McpToolResult;
      });
      record(Boolean(result.isError));
      return result;
    } catch (error) {
      record(true, (error as AppError).code);
      throw error;
    }
  }

  /** All tools, following `nextCursor`; cached until the server says its list changed. */
  async listTools(options: CallToolOptions & { refresh?: boolean } = {}): Promise<Tool[]> {
    if (this.tools && !options.refresh && this.session) return this.tools;
    const tools = await this.run('listTools', undefined, options, async (session, remainingMs) => {
      const all: Tool[] = [];
      let cursor: string | undefined;
      const seen = new Set<string>();
      do {
        const page = await session.client.listTools(cursor ? { cursor } : {}, {
          timeout: remainingMs,
          signal: options.signal,
        });
        all.push(...page.tools);
        cursor = page.nextCursor;
        if (cursor && seen.has(cursor)) break; // a server repeating a cursor would loop forever
        if (cursor) seen.add(cursor);
      } while (cursor);
      return all;
    });
    this.tools = tools;
    return tools;
  }

  get serverInfo() {
    return this.session?.serverInfo;
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private scheduleIdle(): void {
    this.clearIdle();
    const idleMs = this.config.timeouts.idleMs;
    if (idleMs <= 0 || this.semaphore.active > 0 || this.semaphore.queued > 0 || !this.session) return;
    this.idleTimer = setTimeout(() => {
      if (this.semaphore.active > 0 || this.semaphore.queued > 0) return;
      this.log.info({ idleMs }, 'mcp server idle; shutting down');
      void this.stop();
    }, idleMs);
    this.idleTimer.unref();
  }

  /** Lets calls in flight or queued finish (up to the call timeout), then stops. */
  async drainAndStop(): Promise<void> {
    const deadline = Date.now() + this.config.timeouts.callMs;
    while ((this.semaphore.active > 0 || this.semaphore.queued > 0) && Date.now() < deadline) await sleep(20);
    await this.stop();
  }

  /** Stops the server (whole process tree for stdio). The next call starts it again. */
  async stop(): Promise<void> {
    this.clearIdle();
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      const starting = this.starting;
      if (starting) await starting.catch(() => undefined);
      const session = this.session;
      this.session = undefined;
      this.state = 'stopped';
      if (session) await session.close();
    })().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  status(transportOverride?: McpServerStatus['transport']): McpServerStatus {
    const last = this.lastError;
    return {
      name: this.config.name,
      transport: transportOverride ?? this.session?.transportKind ?? this.config.transport,
      enabled: this.config.enabled,
      state: this.state,
      lastError: last
        ? { code: last.error.code, message: last.error.message, at: last.at.toISOString() }
        : undefined,
      pid: this.session?.pid,
      serverInfo: this.session?.serverInfo,
      toolCount: this.tools?.length,
      startedAt: this.session ? this.startedAt?.toISOString() : undefined,
      restarts: this.restarts,
      active: this.semaphore.active,
      queued: this.semaphore.queued,
      calls: this.latency.summary(),
    };
  }
}
