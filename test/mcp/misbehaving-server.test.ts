/** A real stdio server that writes junk to stdout and exits with an error mid-call. */
import path from 'node:path';
import { buildMcpConfig, McpRegistry } from '../../src/mcp';
import { AppError } from '../../src/shared/errors';
import { createLogger } from '../../src/shared/logger';

const logger = createLogger({ level: 'silent' });
const script = path.resolve(__dirname, '../fixtures/mcp/noisy-server.mjs');

it('ignores non-protocol stdout lines and reports an exit mid-call with its code and stderr', async () => {
  const config = buildMcpConfig(
    JSON.stringify({
      servers: { noisy: { command: process.execPath, args: [script], idle_timeout: 0, retry_attempts: 2 } },
    }),
    path.resolve(__dirname, '.mcp.json'),
    {},
  );
  const registry = new McpRegistry({ config, logger });
  try {
    expect((await registry.callTool('noisy', 'ping')).content).toEqual([{ type: 'text', text: 'pong' }]);
    const error = (await registry.callTool('noisy', 'die').catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('MCP_SERVER_UNAVAILABLE');
    expect(error.message).toContain(
      'exited during the call (exit code 2; stderr: fatal: database file is locked)',
    );
    // Not retried: the tool may already have done its work.
    expect(registry.status()[0]).toMatchObject({
      state: 'failed',
      lastError: { code: 'MCP_SERVER_UNAVAILABLE' },
    });
    expect((await registry.callTool('noisy', 'ping')).content).toEqual([{ type: 'text', text: 'pong' }]);
    expect(registry.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
  } finally {
    await registry.close();
  }
});
