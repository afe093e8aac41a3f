/**
 * The registry against the real `@modelcontextprotocol/server-everything` over stdio: calls, env
 * passing, timeouts, aborts, list_changed, a crash mid-call and process-tree cleanup.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { McpConfigStore, McpRegistry, McpToolCatalog, readToolsFile } from '../../src/mcp';
import { AppError } from '../../src/shared/errors';
import { createLogger } from '../../src/shared/logger';
import { until } from '../fixtures/mcp/in-memory-server';
import { alive, bin, processTree, projectWith } from '../fixtures/mcp/real-servers';

const logger = createLogger({ level: 'silent' });
const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

let dir: string;
let registry: McpRegistry;
let catalog: McpToolCatalog;
const changes: string[][] = [];

beforeAll(async () => {
  process.env.MCP_IT_PARENT_SECRET = 'must-not-leak';
  ({ dir } = await projectWith(
    {
      mcpServers: {
        everything: {
          type: 'stdio',
          command: bin('mcp-server-everything'),
          args: ['stdio'],
          env: { MCP_IT_FLAG: '${MCP_IT_FLAG}', FROM_DOTENV: '${FROM_DOTENV}' },
          timeout: 10,
          idle_timeout: 0,
          retry_attempts: 0,
        },
      },
    },
    'FROM_DOTENV=dotenv-value\n',
  ));
  const store = new McpConfigStore(`${dir}/.mcp.json`, {
    env: { ...process.env, MCP_IT_FLAG: 'from-config' },
  });
  registry = new McpRegistry({ config: store, logger });
  registry.on('toolsChanged', (_server, tools) => changes.push(tools.map((t) => t.name)));
  catalog = new McpToolCatalog({ configPath: `${dir}/.mcp.json`, registry, logger });
});

afterAll(async () => {
  catalog.dispose();
  await registry.close();
  delete process.env.MCP_IT_PARENT_SECRET;
  await rm(dir, { recursive: true, force: true });
});

it('calls echo and get-sum', async () => {
  expect(text(await registry.callTool('everything', 'echo', { message: 'hello' }))).toBe('Echo: hello');
  expect(text(await registry.callTool('everything', 'get-sum', { a: 2, b: 40 }))).toContain('is 42');
  const bad = await registry.callTool('everything', 'get-sum', { a: 'two' });
  expect(bad.isError).toBe(true);
});

it('passes the configured env (and .env values) but not our own environment', async () => {
  const env = JSON.parse(text(await registry.callTool('everything', 'get-env'))) as Record<string, string>;
  expect(env.MCP_IT_FLAG).toBe('from-config');
  expect(env.FROM_DOTENV).toBe('dotenv-value');
  expect(env.PATH).toBeTruthy();
  expect(env.MCP_IT_PARENT_SECRET).toBeUndefined();
});

it('records notifications/tools/list_changed in the tools cache', async () => {
  // server-everything registers client-dependent tools right after initialize and announces it.
  await until(() => changes.length > 0);
  await until(async () => {
    await catalog.flush();
    return Boolean((await readToolsFile(catalog.toolsPath)).servers.everything);
  });
  const entry = (await readToolsFile(catalog.toolsPath)).servers.everything!;
  expect(entry.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
  expect(entry.serverInfo?.name).toBe('mcp-servers/everything');
});

it('times out a long-running operation and stays usable', async () => {
  const error = (await registry
    .callTool('everything', 'trigger-long-running-operation', { duration: 5, steps: 5 }, { timeoutMs: 300 })
    .catch((e: unknown) => e)) as AppError;
  expect(error.code).toBe('MCP_TIMEOUT');
  expect(error.message).toContain('0.3 s');
  expect(text(await registry.callTool('everything', 'echo', { message: 'still here' }))).toBe(
    'Echo: still here',
  );
});

it('aborts a long-running operation when the caller cancels', async () => {
  const controller = new AbortController();
  const pending = registry.callTool(
    'everything',
    'trigger-long-running-operation',
    { duration: 5, steps: 5 },
    {
      signal: controller.signal,
    },
  );
  setTimeout(() => controller.abort(), 100);
  await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(text(await registry.callTool('everything', 'echo', { message: 'after abort' }))).toBe(
    'Echo: after abort',
  );
});

it('reports a server killed mid-call clearly, restarts it on the next call, and leaves nothing behind', async () => {
  const before = registry.status().find((s) => s.name === 'everything')!;
  expect(before.state).toBe('ready');
  const pid = before.pid!;
  const pending = registry.callTool('everything', 'trigger-long-running-operation', {
    duration: 5,
    steps: 5,
  });
  setTimeout(() => process.kill(pid, 'SIGKILL'), 150);
  const error = (await pending.catch((e: unknown) => e)) as AppError;
  expect(error.code).toBe('MCP_SERVER_UNAVAILABLE');
  expect(error.message).toContain('exited during the call');
  expect(error.message).toContain('SIGKILL');
  expect(registry.status()[0]!.state).toBe('failed');

  expect(text(await registry.callTool('everything', 'echo', { message: 'reborn' }))).toBe('Echo: reborn');
  const after = registry.status()[0]!;
  expect(after).toMatchObject({ state: 'ready', restarts: 1 });
  expect(after.pid).not.toBe(pid);

  const tree = processTree(after.pid!);
  await registry.stop('everything');
  expect(alive(tree)).toEqual([]);
  expect(alive([pid])).toEqual([]);
});

it('kills the whole process tree of an npx-launched server on close', async () => {
  const project = await projectWith({
    servers: {
      tree: { type: 'external', command: 'npx --no-install mcp-server-everything', idle_timeout: 0 },
    },
  });
  const own = new McpRegistry({
    config: new McpConfigStore(project.configPath, { env: process.env }),
    logger,
  });
  try {
    expect(text(await own.callTool('tree', 'echo', { message: 'via npx' }))).toBe('Echo: via npx');
    const leader = own.status()[0]!.pid!;
    const tree = processTree(leader);
    expect(tree.length).toBeGreaterThan(1); // npm exec -> (sh ->) node
    await own.close();
    expect(alive(tree)).toEqual([]);
  } finally {
    await own.close();
    await rm(project.dir, { recursive: true, force: true });
  }
});

it('passes a SIGTERM aimed at us on to the server tree, then exits as Node would', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, '../fixtures/mcp/registry-holder.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`holder exited early (${code}): ${out}`)));
  });
  const { tree } = JSON.parse(line) as { tree: number[] };
  expect(tree.length).toBeGreaterThan(1);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(143);
  await until(() => alive(tree).length === 0);
});
