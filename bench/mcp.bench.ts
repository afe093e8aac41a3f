/**
 * MCP benchmarks (issue 6, section 8):
 * - discovery: cold `tools/list` discovery per real server (spawn + initialize + list) against the
 *   cached read of `.mcp.tools.json` (design target: discovery < 2 s per server);
 * - call overhead: our `McpRegistry.callTool` against a bare SDK client, interleaved in the same
 *   run, over stdio (real server-everything processes) and in-process (InMemoryTransport, which
 *   shows our layer's cost without pipe noise); target <= 1 ms extra at p50;
 * - concurrency: throughput of a 50 ms tool under different `max_concurrent` limits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { buildMcpConfig, discoverTools, McpRegistry, McpToolCatalog } from '../src/mcp';
import { createLogger } from '../src/shared/logger';
import type { BenchReporter } from './lib';

const logger = createLogger({ level: 'silent' });
const BIN = path.resolve(__dirname, '../node_modules/.bin');
const now = () => Number(process.hrtime.bigint()) / 1e6;

const servers: Record<string, { command: string; args?: string[]; env?: Record<string, string> }> = {
  'sequential-thinking': { command: path.join(BIN, 'mcp-server-sequential-thinking') },
  everything: { command: path.join(BIN, 'mcp-server-everything'), args: ['stdio'] },
  memory: { command: path.join(BIN, 'mcp-server-memory') },
  'brave-search': {
    command: path.join(BIN, 'brave-search-mcp-server'),
    env: { BRAVE_API_KEY: 'bench-dummy' },
  },
};

async function discovery(report: BenchReporter, dir: string): Promise<void> {
  const configPath = path.join(dir, '.mcp.json');
  await writeFile(configPath, JSON.stringify({ servers }));
  const rounds = 5;
  const cold: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i += 1) {
    for (const name of Object.keys(servers)) {
      const started = now();
      const [result] = await discoverTools({ configPath, servers: [name], force: true, logger });
      if (!result?.ok) throw new Error(`discovery of ${name} failed: ${result?.error?.message}`);
      (cold[name] ??= []).push(now() - started);
    }
  }
  const registry = new McpRegistry({
    config: buildMcpConfig(JSON.stringify({ servers }), configPath, process.env),
  });
  const catalog = new McpToolCatalog({ configPath, registry, logger });
  const cached: number[] = [];
  for (let i = 0; i < 300; i += 1) {
    const started = now();
    await catalog.getAvailableTools();
    cached.push(now() - started);
  }
  catalog.dispose();
  await registry.close();
  report.measure('cached read: getAvailableTools() all servers', cached);
  for (const [name, samples] of Object.entries(cold)) {
    report.measure(`cold discovery: ${name}`, samples, {
      baseline: 'cached read: getAvailableTools() all servers',
      target: '< 2000 ms',
    });
  }
}

async function interleaved(iterations: number, a: () => Promise<unknown>, b: () => Promise<unknown>) {
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    await a();
    await b();
  }
  for (let i = 0; i < iterations; i += 1) {
    // Alternate the order so drift and GC hit both sides alike.
    const first = i % 2 === 0;
    for (const [fn, out] of first
      ? ([
          [a, sa],
          [b, sb],
        ] as const)
      : ([
          [b, sb],
          [a, sa],
        ] as const)) {
      const started = now();
      await fn();
      out.push(now() - started);
    }
  }
  return [sa, sb] as const;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

async function callOverheadStdio(report: BenchReporter): Promise<void> {
  const bare = new Client({ name: 'bench-bare', version: '1' });
  await bare.connect(
    new StdioClientTransport({ command: servers.everything!.command, args: ['stdio'], stderr: 'ignore' }),
  );
  const config = buildMcpConfig(
    JSON.stringify({ servers: { everything: { ...servers.everything, idle_timeout: 0 } } }),
    '/bench/.mcp.json',
    {},
  );
  const registry = new McpRegistry({ config, logger });
  const args = { message: 'hello' };
  const [ours, sdk] = await interleaved(
    2000,
    () => registry.callTool('everything', 'echo', args),
    () => bare.callTool({ name: 'echo', arguments: args }),
  );
  await bare.close();
  await registry.close();
  report.measure('stdio: bare SDK client callTool', sdk);
  report.measure('stdio: McpRegistry.callTool', ours, {
    baseline: 'stdio: bare SDK client callTool',
    target: '<= +1 ms at p50',
  });
  report.value('stdio: added at p50', median(ours) - median(sdk), 'ms', { target: '<= 1 ms' });
}

function inMemoryServer() {
  const server = new McpServer({ name: 'bench', version: '1' });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text' as const, text: message }],
  }));
  return server;
}

async function callOverheadInMemory(report: BenchReporter): Promise<void> {
  const [bareClientSide, bareServerSide] = InMemoryTransport.createLinkedPair();
  await inMemoryServer().connect(bareServerSide);
  const bare = new Client({ name: 'bench-bare', version: '1' });
  await bare.connect(bareClientSide);
  const config = buildMcpConfig(
    JSON.stringify({ servers: { mem: { command: 'in-memory', idle_timeout: 0 } } }),
    '/bench/.mcp.json',
    {},
  );
  const registry = new McpRegistry({
    config,
    logger,
    transportFactory: async () => {
      const [c, s] = InMemoryTransport.createLinkedPair();
      await inMemoryServer().connect(s);
      return c;
    },
  });
  const args = { message: 'hello' };
  const [ours, sdk] = await interleaved(
    5000,
    () => registry.callTool('mem', 'echo', args),
    () => bare.callTool({ name: 'echo', arguments: args }),
  );
  await bare.close();
  await registry.close();
  report.measure('in-memory: bare SDK client callTool', sdk);
  report.measure('in-memory: McpRegistry.callTool', ours, {
    baseline: 'in-memory: bare SDK client callTool',
    target: '<= +1 ms at p50',
  });
  report.value('in-memory: added at p50', median(ours) - median(sdk), 'ms', { target: '<= 1 ms' });
}

async function concurrency(report: BenchReporter): Promise<void> {
  const calls = 48;
  const stepMs = 50;
  for (const maxConcurrent of [1, 3, 8]) {
    const config = buildMcpConfig(
      JSON.stringify({
        servers: { everything: { ...servers.everything, idle_timeout: 0, max_concurrent: maxConcurrent } },
      }),
      '/bench/.mcp.json',
      {},
    );
    const registry = new McpRegistry({ config, logger });
    await registry.callTool('everything', 'echo', { message: 'warm' });
    const started = now();
    await Promise.all(
      Array.from({ length: calls }, () =>
        registry.callTool('everything', 'trigger-long-running-operation', {
          duration: stepMs / 1000,
          steps: 1,
        }),
      ),
    );
    const seconds = (now() - started) / 1000;
    await registry.close();
    report.value(
      `throughput, ${stepMs} ms tool, max_concurrent=${maxConcurrent}`,
      calls / seconds,
      'calls/s',
      {
        target: `ideal ${Math.round((1000 / stepMs) * maxConcurrent)}`,
      },
    );
  }
}

export default async function run(report: BenchReporter): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-bench-'));
  try {
    await discovery(report, dir);
    await callOverheadStdio(report);
    await callOverheadInMemory(report);
    await concurrency(report);
    report.note(
      'call overhead samples are interleaved (ours, bare, bare, ours, ...) in one process; stdio uses two processes of the same server binary',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
