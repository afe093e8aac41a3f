import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createLogger } from '../shared/logger';
import { createFakeServerFactory } from '../../test/fixtures/mcp/in-memory-server';
import { buildMcpConfig } from './config/load';
import { inspectMcpConfig } from './config';
import { probePassed, testServer } from './probe';

const logger = createLogger({ level: 'silent' });
const server = buildMcpConfig('{ "servers": { "fake": { "command": "fake-server" } } }', '/v/.mcp.json', {})
  .servers.fake!;

describe('testServer', () => {
  it('times each step and reports the server and tool count', async () => {
    const { factory } = createFakeServerFactory();
    const steps = await testServer(server, {
      logger,
      transportFactory: factory,
      call: { tool: 'echo', args: { text: 'hi' } },
    });
    expect(steps.map((s) => [s.step, s.ok])).toEqual([
      ['start', true],
      ['initialize', true],
      ['listTools', true],
      ['call', true],
    ]);
    expect(steps[1]!.detail).toBe('fake-fake 1.0.0');
    expect(steps[2]!.detail).toMatch(/^\d+ tools$/);
    expect(steps.every((s) => s.durationMs >= 0)).toBe(true);
    expect(probePassed(steps)).toBe(true);
  });

  it('fails the call step when the tool reports an error', async () => {
    const { factory } = createFakeServerFactory();
    const steps = await testServer(server, { logger, transportFactory: factory, call: { tool: 'fail' } });
    expect(steps.at(-1)).toMatchObject({ step: 'call', ok: false, code: 'MCP_TOOL_ERROR' });
    expect(steps.at(-1)!.error).toContain('it broke');
    expect(probePassed(steps)).toBe(false);
  });

  it('names an unset variable and where to set it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mcp-probe-'));
    await writeFile(
      `${dir}/.mcp.json`,
      '{ "servers": { "gh": { "command": "gh", "env": { "T": "${GITHUB_TOKEN}" } } } }',
    );
    const unexpanded = (await inspectMcpConfig(`${dir}/.mcp.json`)).servers.gh!;
    const steps = await testServer(unexpanded, { logger });
    expect(steps).toEqual([
      expect.objectContaining({
        step: 'start',
        ok: false,
        code: 'CONFIG_INVALID',
        error: expect.stringContaining('GITHUB_TOKEN'),
      }),
    ]);
    expect(steps[0]!.hint).toContain('.env');
  });

  it('says how to install a command that is not on PATH', async () => {
    const missing = buildMcpConfig(
      '{ "servers": { "x": { "command": "/nonexistent/mcp-server-x" } } }',
      '/v/.mcp.json',
      {},
    ).servers.x!;
    const steps = await testServer(missing, { logger });
    expect(steps).toEqual([
      expect.objectContaining({ step: 'start', ok: false, code: 'MCP_SERVER_UNAVAILABLE' }),
    ]);
    expect(steps[0]!.error).toContain('/nonexistent/mcp-server-x" was not found');
    expect(steps[0]!.hint).toMatch(/npm install -g|npx/);
  });

  it('says which setting to raise when the handshake times out', async () => {
    const silent = async () => InMemoryTransport.createLinkedPair()[0];
    const steps = await testServer(server, { logger, transportFactory: silent, timeoutMs: 50 });
    expect(steps.map((s) => [s.step, s.ok])).toEqual([
      ['start', true],
      ['initialize', false],
    ]);
    expect(steps[1]).toMatchObject({ code: 'MCP_TIMEOUT' });
    expect(steps[1]!.hint).toContain('startup_timeout');
  });
});
