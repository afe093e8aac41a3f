import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../shared/errors';
import { displayUrl, isRetryable, McpCallError, toMcpError } from './errors';

const errno = (code: string) => Object.assign(new Error(`failed ${code}`), { code });

describe('toMcpError', () => {
  it('maps each failure to a stable code, a message and a hint', () => {
    const cases: [unknown, Parameters<typeof toMcpError>[1], string, RegExp, boolean][] = [
      [
        new DOMException('aborted', 'AbortError'),
        { server: 's', phase: 'call', tool: 't' },
        'CANCELLED',
        /cancelled by the caller/,
        false,
      ],
      [
        new McpError(ErrorCode.RequestTimeout, 'x'),
        { server: 's', phase: 'initialize', timeoutMs: 2000 },
        'MCP_TIMEOUT',
        /within 2 s. Raise "startup_timeout"/,
        false,
      ],
      [
        errno('EACCES'),
        { server: 's', phase: 'start', command: '/bin/x' },
        'MCP_SERVER_UNAVAILABLE',
        /not executable. Check its file permissions/,
        false,
      ],
      [
        new StreamableHTTPError(401, 'unauthorised'),
        { server: 's', phase: 'initialize', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /HTTP 401 .*Authorization header/,
        false,
      ],
      [
        new StreamableHTTPError(503, 'busy'),
        { server: 's', phase: 'initialize', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /HTTP 503/,
        true,
      ],
      [
        new StreamableHTTPError(502, 'bad gateway'),
        { server: 's', phase: 'call', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /HTTP 502/,
        false,
      ],
      [
        new StreamableHTTPError(404, 'Session not found'),
        { server: 's', phase: 'call', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /HTTP 404 .*next call reconnects/,
        true,
      ],
      [
        new Error('Error POSTing to endpoint (HTTP 429): slow down'),
        { server: 's', phase: 'call', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /HTTP 429/,
        true,
      ],
      [
        errno('ECONNRESET'),
        { server: 's', phase: 'call', url: 'https://h/mcp' },
        'MCP_SERVER_UNAVAILABLE',
        /unreachable \(ECONNRESET at https:\/\/h\/mcp\)/,
        false,
      ],
      [
        new TypeError('fetch failed', { cause: errno('ECONNREFUSED') }),
        { server: 's', phase: 'call' },
        'MCP_SERVER_UNAVAILABLE',
        /unreachable \(ECONNREFUSED\)/,
        true,
      ],
      [
        new McpError(ErrorCode.ConnectionClosed, 'closed'),
        { server: 's', phase: 'listTools' },
        'MCP_SERVER_UNAVAILABLE',
        /exited while listing tools/,
        false,
      ],
      [
        new McpError(ErrorCode.ConnectionClosed, 'closed'),
        { server: 's', phase: 'start', exit: { code: 1, signal: null }, stderrTail: ['boom'] },
        'MCP_SERVER_UNAVAILABLE',
        /exited while starting \(exit code 1; stderr: boom\)/,
        false,
      ],
      [
        new McpError(ErrorCode.InvalidParams, 'bad args'),
        { server: 's', phase: 'call', tool: 't' },
        'MCP_TOOL_ERROR',
        /tool "t" on MCP server "s" failed: .*bad args/,
        false,
      ],
      [
        new McpError(ErrorCode.InternalError, 'oops'),
        { server: 's', phase: 'listTools' },
        'MCP_SERVER_UNAVAILABLE',
        /failed: .*oops/,
        false,
      ],
      [
        new Error('weird'),
        { server: 's', phase: 'call', exit: { code: null, signal: 'SIGKILL' } },
        'MCP_SERVER_UNAVAILABLE',
        /failed \(call\): weird \(killed by SIGKILL\)/,
        false,
      ],
      [
        'a string',
        { server: 's', phase: 'start' },
        'MCP_SERVER_UNAVAILABLE',
        /failed to start: a string/,
        false,
      ],
    ];
    for (const [error, ctx, code, message, retryable] of cases) {
      const mapped = toMcpError(error, ctx);
      expect([mapped.code, mapped.message]).toEqual([code, expect.stringMatching(message)]);
      expect(isRetryable(mapped)).toBe(retryable);
      expect(mapped.details).toMatchObject({ server: 's', phase: ctx.phase });
    }
  });

  it('keeps keys in URLs out of messages', () => {
    const mapped = toMcpError(new StreamableHTTPError(500, 'x'), {
      server: 's',
      phase: 'call',
      url: 'https://user:pw@h.example/mcp?api_key=secret',
    });
    expect(mapped.message).toContain('https://h.example/mcp');
    expect(mapped.message).not.toMatch(/secret|pw@/);
    expect(displayUrl('not a url')).toBe('<invalid url>');
  });

  it('passes AppErrors through and never calls other errors retryable', () => {
    const original = new AppError('NOT_FOUND', 'nope');
    expect(toMcpError(original, { server: 's', phase: 'call' })).toBe(original);
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(new McpCallError('MCP_TIMEOUT', 'm', { server: 's', phase: 'call' }, {}).message).toBe('m');
  });
});
