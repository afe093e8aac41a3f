/**
 * Opens one live connection to a configured server: builds the transport (stdio process, streamable
 * HTTP falling back to SSE, or an injected one in tests), runs the `initialize` handshake under the
 * startup timeout, and wires tool-list-change notifications. Startup and handshake are timed as
 * separate steps so `testServer` can say which one failed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode as RpcErrorCode,
  McpError,
  type Implementation,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/logger';
import type { McpServerConfig, McpTransportKind } from '../config/types';
import { toMcpError, type McpFailureContext, type McpPhase } from '../errors';
import { StdioProcessTransport } from '../transport/stdio-process-transport';

export type TransportFactory = (server: McpServerConfig) => Transport | Promise<Transport>;

export const CLIENT_INFO: Implementation = { name: 'ai-spend-platform', version: '0.1.0' };

export interface SessionStep {
  step: 'start' | 'initialize';
  ok: boolean;
  durationMs: number;
  error?: Error;
}

export interface OpenSessionOptions {
  logger: Logger;
  /** Covers spawn/connect and the handshake together; defaults to the server's startup timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  transportFactory?: TransportFactory;
  onToolsChanged?: (tools: Tool[]) => void;
  onStep?: (step: SessionStep) => void;
}

export interface McpSession {
  readonly server: McpServerConfig;
  readonly client: Client;
  readonly transportKind: McpTransportKind | 'custom';
  readonly pid?: number;
  readonly serverInfo?: Implementation;
  /** What is known about the process for error messages (stderr tail, exit status). */
  failureContext(phase: McpPhase, extra?: Partial<McpFailureContext>): McpFailureContext;
  /** Called once when the connection ends for any reason (crash, remote close, `close()`). */
  onClosed?: () => void;
  close(): Promise<void>;
}

function buildTransport(server: McpServerConfig, kind: McpTransportKind, logger: Logger): Transport {
  if (kind === 'stdio') {
    return new StdioProcessTransport({
      serverName: server.name,
      command: server.command as string,
      args: server.args,
      env: server.env,
      cwd: server.cwd,
      logger,
    });
  }
  const url = new URL(server.url as string);
  const requestInit = { headers: server.headers };
  return kind === 'http'
    ? new StreamableHTTPClientTransport(url, { requestInit })
    : new SSEClientTransport(url, { requestInit });
}

function baseContext(
  server: McpServerConfig,
  transport: Transport | undefined,
  phase: McpPhase,
): McpFailureContext {
  const proc = transport instanceof StdioProcessTransport ? transport : undefined;
  return {
    server: server.name,
    phase,
    command: server.command,
    url: server.url,
    stderrTail: proc?.stderrTail(),
    exit: proc?.exit ? { code: proc.exit.code, signal: proc.exit.signal } : undefined,
  };
}

/** Streamable HTTP servers answer an old-style SSE-only client... and vice versa: 4xx means "try SSE". */
function shouldFallBackToSse(error: unknown): boolean {
  const code = error instanceof StreamableHTTPError ? error.code : undefined;
  return code !== undefined && code >= 400 && code < 500 && code !== 401 && code !== 403;
}

/** Spawning or opening an SSE stream can hang too; the startup deadline covers it. */
async function withinDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new McpError(RpcErrorCode.RequestTimeout, 'startup timed out')),
      Math.max(1, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(
  server: McpServerConfig,
  transport: Transport,
  options: OpenSessionOptions,
  deadline: number,
): Promise<Client> {
  const client = new Client(CLIENT_INFO, {
    capabilities: {},
    listChanged: options.onToolsChanged
      ? {
          tools: {
            debounceMs: 50,
            onChanged: (error, tools) => {
              if (error)
                options.logger.warn({ mcpServer: server.name, err: error }, 'tool list refresh failed');
              else if (tools) options.onToolsChanged?.(tools);
            },
          },
        }
      : undefined,
  });
  let phase: McpPhase = 'start';
  let started = performance.now();
  try {
    await withinDeadline(transport.start(), deadline);
    options.onStep?.({ step: 'start', ok: true, durationMs: performance.now() - started });
    // Client.connect starts the transport itself; it is already running.
    transport.start = async () => {};
    phase = 'initialize';
    started = performance.now();
    const remaining = Math.max(1, deadline - Date.now());
    await client.connect(transport, { timeout: remaining, signal: options.signal });
    options.onStep?.({ step: 'initialize', ok: true, durationMs: performance.now() - started });
    return client;
  } catch (error) {
    await transport.close().catch(() => undefined);
    const mapped = toMcpError(error, {
      ...baseContext(server, transport, phase),
      timeoutMs: options.timeoutMs,
    });
    (mapped as { rawCause?: unknown }).rawCause = error;
    options.onStep?.({
      step: phase as SessionStep['step'],
      ok: false,
      durationMs: performance.now() - started,
      error: mapped,
    });
    throw mapped;
  }
}

export async function openSession(server: McpServerConfig, options: OpenSessionOptions): Promise<McpSession> {
  const timeoutMs = options.timeoutMs ?? server.timeouts.startupMs;
  const opts = { ...options, timeoutMs };
  const deadline = Date.now() + timeoutMs;
  let kind: McpSession['transportKind'] = options.transportFactory ? 'custom' : server.transport;
  let transport: Transport;
  try {
    transport = options.transportFactory
      ? await options.transportFactory(server)
      : buildTransport(server, server.transport, options.logger);
  } catch (error) {
    const mapped = toMcpError(error, { ...baseContext(server, undefined, 'start'), timeoutMs });
    options.onStep?.({ step: 'start', ok: false, durationMs: 0, error: mapped });
    throw mapped;
  }
  let client: Client;
  try {
    client = await attempt(server, transport, opts, deadline);
  } catch (error) {
    const raw = (error as { rawCause?: unknown }).rawCause;
    if (kind !== 'http' || !shouldFallBackToSse(raw)) throw error;
    options.logger.info({ mcpServer: server.name }, 'streamable HTTP refused; falling back to SSE');
    kind = 'sse';
    transport = buildTransport(server, 'sse', options.logger);
    client = await attempt(server, transport, opts, deadline);
  }

  const session: McpSession = {
    server,
    client,
    transportKind: kind,
    pid: transport instanceof StdioProcessTransport ? transport.pid : undefined,
    serverInfo: client.getServerVersion(),
    failureContext: (phase, extra) => ({ ...baseContext(server, transport, phase), ...extra }),
    close: async () => {
      // Tell a streamable HTTP server the session is over instead of leaving it to expire.
      if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
        await transport.terminateSession().catch(() => undefined);
      }
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
    },
  };
  let closed = false;
  client.onclose = () => {
    if (closed) return;
    closed = true;
    session.onClosed?.();
  };
  return session;
}
