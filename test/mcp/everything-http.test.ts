/**
 * Remote servers: server-everything in its streamable HTTP mode on a loopback port (with a bearer
 * header from a variable, as for GitHub's remote endpoint), and in its legacy SSE mode reached
 * through an `http` entry, which must fall back to SSE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { loadMcpConfig } from '../../src/mcp/config';
import { testServer } from '../../src/mcp/probe';
import { McpRegistry } from '../../src/mcp/registry';
import { createLogger } from '../../src/shared/logger';
import { bin, freePort, projectWith } from '../fixtures/mcp/real-servers';

const logger = createLogger({ level: 'silent' });
const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

async function startEverything(
  mode: 'streamableHttp' | 'sse',
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(bin('mcp-server-everything'), [mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (/listening on port|running on port/i.test(seen)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything ${mode} exited (${code}): ${seen}`)));
  });
  return { child, port };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('streamable HTTP', () => {
  let server: { child: ChildProcess; port: number };
  beforeAll(async () => {
    server = await startEverything('streamableHttp');
  });
  afterAll(async () => stop(server.child));

  it('calls tools over streamable HTTP with configured headers', async () => {
    const project = await projectWith({
      mcpServers: {
        remote: {
          type: 'http',
          url: `http://127.0.0.1:${server.port}/mcp`,
          headers: { Authorization: 'Bearer ${REMOTE_TOKEN}' },
        },
      },
    });
    const config = await loadMcpConfig(project.configPath, { env: { REMOTE_TOKEN: 'dummy-token' } });
    expect(config.servers.remote!.headers.Authorization).toBe('Bearer dummy-token');
    const registry = new McpRegistry({ config, logger });
    try {
      expect(text(await registry.callTool('remote', 'get-sum', { a: 1, b: 2 }))).toContain('is 3');
      expect((await registry.listTools('remote')).map((t) => t.name)).toContain('echo');
      expect(registry.status()[0]).toMatchObject({ state: 'ready', transport: 'http' });
      const steps = await testServer(config.servers.remote!, { logger });
      expect(steps.map((s) => s.ok)).toEqual([true, true, true]);
    } finally {
      await registry.close();
      await rm(project.dir, { recursive: true, force: true });
    }
  });

  it('explains an unreachable endpoint', async () => {
    const port = await freePort();
    const project = await projectWith({
      mcpServers: { gone: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, retry_attempts: 1 } },
    });
    const config = await loadMcpConfig(project.configPath, { env: {} });
    const registry = new McpRegistry({ config, logger });
    try {
      await expect(registry.callTool('gone', 'echo', { message: 'x' })).rejects.toMatchObject({
        code: 'MCP_SERVER_UNAVAILABLE',
        message: expect.stringContaining('unreachable'),
      });
    } finally {
      await registry.close();
      await rm(project.dir, { recursive: true, force: true });
    }
  });
});

describe('SSE fallback', () => {
  let server: { child: ChildProcess; port: number };
  beforeAll(async () => {
    server = await startEverything('sse');
  });
  afterAll(async () => stop(server.child));

  it('falls back to SSE when the endpoint does not speak streamable HTTP, and supports type "sse"', async () => {
    const project = await projectWith({
      mcpServers: {
        old: { type: 'http', url: `http://127.0.0.1:${server.port}/sse` },
        explicit: { type: 'sse', url: `http://127.0.0.1:${server.port}/sse` },
      },
    });
    const registry = new McpRegistry({
      config: await loadMcpConfig(project.configPath, { env: {} }),
      logger,
    });
    try {
      expect(text(await registry.callTool('old', 'echo', { message: 'via sse' }))).toBe('Echo: via sse');
      expect(text(await registry.callTool('explicit', 'echo', { message: 'sse too' }))).toBe('Echo: sse too');
      expect(registry.status().map((s) => s.transport)).toEqual(['sse', 'sse']);
    } finally {
      await registry.close();
      await rm(project.dir, { recursive: true, force: true });
    }
  });
});

describe('remote server restart', () => {
  it('reconnects with a new session after the server restarts and forgets the old one', async () => {
    const first = await startEverything('streamableHttp');
    const port = first.port;
    const project = await projectWith({
      mcpServers: { remote: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, retry_attempts: 1 } },
    });
    const registry = new McpRegistry({
      config: await loadMcpConfig(project.configPath, { env: {} }),
      logger,
    });
    let second: ChildProcess | undefined;
    try {
      expect(text(await registry.callTool('remote', 'echo', { message: 'one' }))).toBe('Echo: one');
      await stop(first.child);
      second = spawn(bin('mcp-server-everything'), ['streamableHttp'], {
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve) => {
        let seen = '';
        second!.stderr!.on('data', (c: Buffer) => {
          seen += c.toString();
          if (/listening on port/i.test(seen)) resolve();
        });
      });
      // The old session id is unknown to the new process (HTTP 404): the request never ran, so
      // it is retried on a fresh session.
      expect(text(await registry.callTool('remote', 'echo', { message: 'two' }))).toBe('Echo: two');
      expect(registry.status()[0]!.state).toBe('ready');
    } finally {
      await registry.close();
      if (second) await stop(second);
      await rm(project.dir, { recursive: true, force: true });
    }
  });
});
