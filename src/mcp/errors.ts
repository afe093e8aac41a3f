/**
 * Maps everything that can go wrong talking to an MCP server onto `AppError` codes, with a message
 * that says what happened and a hint that says what to do, and decides which failures are safe to
 * retry: only those where the request certainly never reached a running tool.
 */
import { McpError, ErrorCode as RpcErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { AppError, type ErrorCode } from '../shared/errors';

export type McpPhase = 'start' | 'initialize' | 'listTools' | 'call';

export interface McpFailureContext {
  server: string;
  phase: McpPhase;
  tool?: string;
  /** The limit that applied, for timeout messages. */
  timeoutMs?: number;
  /** stdio: the executable, for "not found" messages. */
  command?: string;
  url?: string;
  /** stdio: last stderr lines and how the process ended. */
  stderrTail?: string[];
  exit?: { code: number | null; signal: string | null };
}

export class McpCallError extends AppError {
  readonly retryable: boolean;
  readonly hint?: string;

  constructor(
    code: ErrorCode,
    message: string,
    ctx: McpFailureContext,
    opts: { retryable?: boolean; hint?: string; cause?: unknown },
  ) {
    super(code, opts.hint ? `${message}. ${opts.hint}` : message, {
      cause: opts.cause,
      details: {
        server: ctx.server,
        tool: ctx.tool,
        phase: ctx.phase,
        ...(opts.hint ? { hint: opts.hint } : {}),
      },
    });
    this.name = 'McpCallError';
    this.retryable = opts.retryable ?? false;
    this.hint = opts.hint;
  }
}

const retryableNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

function errnoCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  const match = /\bHTTP (\d{3})\b|\(HTTP (\d{3})\)|status(?: code)? (\d{3})/i.exec(
    String((error as Error)?.message),
  );
  const found = match?.[1] ?? match?.[2] ?? match?.[3];
  return found ? Number(found) : undefined;
}

function describeExit(ctx: McpFailureContext): string {
  const parts: string[] = [];
  if (ctx.exit) parts.push(ctx.exit.signal ? `killed by ${ctx.exit.signal}` : `exit code ${ctx.exit.code}`);
  const last = ctx.stderrTail?.slice(-3).join(' | ');
  if (last) parts.push(`stderr: ${last}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** Origin and path only: query strings and user info can carry keys, which never go in messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'the limit' : `${ms / 1000} s`;
}

export function isAbortError(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError' || (error as { code?: unknown })?.code === 'ABORT_ERR';
}

/** Turns any failure into an `McpCallError` (an `AppError`); `AppError`s pass through unchanged. */
export function toMcpError(error: unknown, ctx: McpFailureContext): AppError {
  if (error instanceof AppError) return error;
  const who = `MCP server "${ctx.server}"`;
  const what = ctx.tool ? `tool "${ctx.tool}" on ${who}` : who;
  const starting = ctx.phase === 'start' || ctx.phase === 'initialize';

  if (isAbortError(error)) {
    return new McpCallError('CANCELLED', `call to ${what} was cancelled by the caller`, ctx, {
      cause: error,
    });
  }
  if (error instanceof McpError && error.code === RpcErrorCode.RequestTimeout) {
    const setting = starting ? 'startup_timeout' : 'timeout';
    return new McpCallError('MCP_TIMEOUT', `${what} did not answer within ${seconds(ctx.timeoutMs)}`, ctx, {
      hint: `Raise "${setting}" (seconds) on the server entry or in global_config of .mcp.json`,
      cause: error,
    });
  }
  const errno = errnoCode(error);
  if (errno === 'ENOENT' && ctx.phase === 'start' && ctx.command) {
    return new McpCallError(
      'MCP_SERVER_UNAVAILABLE',
      `${who}: command "${ctx.command}" was not found${ctx.command.includes('/') ? '' : ' on PATH'}`,
      ctx,
      {
        hint: `Install it (for an npm package: "npm install -g <package>", or use "npx -y <package>" as the command) or give an absolute path`,
        cause: error,
      },
    );
  }
  if (errno === 'EACCES' && ctx.phase === 'start') {
    return new McpCallError(
      'MCP_SERVER_UNAVAILABLE',
      `${who}: command "${ctx.command}" is not executable`,
      ctx,
      {
        hint: 'Check its file permissions (chmod +x)',
        cause: error,
      },
    );
  }
  const status = httpStatus(error);
  if (ctx.url && status !== undefined) {
    const auth = status === 401 || status === 403;
    // The spec says 404 for an unknown session; some servers answer 400 "no valid session ID".
    const sessionLost =
      !starting && (status === 404 || (status === 400 && /session/i.test(String((error as Error).message))));
    return new McpCallError(
      'MCP_SERVER_UNAVAILABLE',
      `${who} answered HTTP ${status} at ${displayUrl(ctx.url)}`,
      ctx,
      {
        // 429/503 say "not processed"; other 5xx only count as undelivered while connecting; a lost
        // session means the server forgot us (restarted), so the request never ran.
        retryable: status === 429 || status === 503 || (starting && status >= 500) || sessionLost,
        hint: auth
          ? 'Check the Authorization header in .mcp.json and the token variable it uses'
          : sessionLost
            ? 'The server no longer knows this session (did it restart?); the next call reconnects'
            : undefined,
        cause: error,
      },
    );
  }
  if (errno && retryableNetworkCodes.has(errno)) {
    return new McpCallError(
      'MCP_SERVER_UNAVAILABLE',
      `${who} is unreachable (${errno}${ctx.url ? ` at ${displayUrl(ctx.url)}` : ''})`,
      ctx,
      {
        // Nothing was delivered if the connection could not even be opened.
        retryable: errno === 'ECONNREFUSED' || errno === 'EAI_AGAIN' || starting,
        hint: ctx.url ? 'Is the server running and the url right?' : undefined,
        cause: error,
      },
    );
  }
  if (error instanceof McpError && error.code === RpcErrorCode.ConnectionClosed) {
    const when = starting
      ? 'while starting'
      : ctx.phase === 'call'
        ? 'during the call'
        : 'while listing tools';
    return new McpCallError('MCP_SERVER_UNAVAILABLE', `${who} exited ${when}${describeExit(ctx)}`, ctx, {
      hint: starting
        ? 'Run the command by hand to see why it stops, or check its env settings'
        : 'It will be restarted on the next call',
      cause: error,
    });
  }
  if (error instanceof McpError) {
    const code = ctx.phase === 'call' ? 'MCP_TOOL_ERROR' : 'MCP_SERVER_UNAVAILABLE';
    return new McpCallError(code, `${what} failed: ${error.message}`, ctx, { cause: error });
  }
  const message = (error as Error)?.message ?? String(error);
  return new McpCallError(
    'MCP_SERVER_UNAVAILABLE',
    `${who} failed ${starting ? 'to start' : `(${ctx.phase})`}: ${message}${describeExit(ctx)}`,
    ctx,
    {
      cause: error,
    },
  );
}

export function isRetryable(error: unknown): boolean {
  return error instanceof McpCallError && error.retryable;
}
