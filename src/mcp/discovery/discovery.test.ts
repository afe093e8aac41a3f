import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../../shared/logger';
import { createFakeServerFactory, until } from '../../../test/fixtures/mcp/in-memory-server';
import { McpConfigStore } from '../config/config-store';
import { McpRegistry } from '../registry/registry';
import { McpToolCatalog } from './catalog';
import { discoverTools } from './discover';
import { readToolsFile } from './tools-file';

const logger = createLogger({ level: 'silent' });
let dir: string;
let configPath: string;
let toolsPath: string;

async function writeConfig(json: unknown) {
  await writeFile(configPath, JSON.stringify(json));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mcp-discovery-'));
  configPath = path.join(dir, '.mcp.json');
  toolsPath = path.join(dir, '.mcp.tools.json');
  await writeConfig({
    servers: {
      a: { command: 'a', idle_timeout: 0 },
      b: { command: 'b', idle_timeout: 0 },
      off: { command: 'o', enabled: false },
    },
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('discoverTools', () => {
  it('writes every enabled server to .mcp.tools.json and serves fresh entries without starting anything', async () => {
    const fake = createFakeServerFactory();
    const registry = new McpRegistry({
      config: new McpConfigStore(configPath, { env: {} }),
      logger,
      transportFactory: fake.factory,
    });
    try {
      const first = await discoverTools({ configPath, registry });
      expect(first.map((r) => [r.server, r.ok, r.fromCache])).toEqual([
        ['a', true, false],
        ['b', true, false],
      ]);
      const file = await readToolsFile(toolsPath);
      const entry = file.servers.a!;
      expect(entry.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'hold', 'fail']));
      expect(entry.tools.find((t) => t.name === 'echo')).toMatchObject({
        description: 'Echoes text',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      });
      expect(entry.serverInfo).toMatchObject({ name: 'fake-a', version: '1.0.0' });
      expect(entry.fingerprint).toMatch(/^sha256:/);
      expect(Date.parse(entry.discoveredAt)).not.toBeNaN();
      expect(file.servers.off).toBeUndefined();

      await registry.close();
      const connections = fake.state.connections;
      const again = new McpRegistry({
        config: new McpConfigStore(configPath, { env: {} }),
        logger,
        transportFactory: fake.factory,
      });
      const second = await discoverTools({ configPath, registry: again, servers: ['a'] });
      expect(second).toEqual([expect.objectContaining({ server: 'a', ok: true, fromCache: true })]);
      expect(fake.state.connections).toBe(connections);

      const forced = await discoverTools({ configPath, registry: again, servers: ['a'], force: true });
      expect(forced[0]!.fromCache).toBe(false);

      await writeConfig({ servers: { a: { command: 'a', idle_timeout: 0 } } });
      await discoverTools({ configPath, registry: again });
      expect(Object.keys((await readToolsFile(toolsPath)).servers)).toEqual(['a']);
      await again.close();
    } finally {
      await registry.close();
    }
  });

  it('rediscovers when the configuration changes or the TTL expires, and keeps old entries on failure', async () => {
    const fake = createFakeServerFactory();
    const store = new McpConfigStore(configPath, { env: {} });
    const registry = new McpRegistry({ config: store, logger, transportFactory: fake.factory });
    try {
      await discoverTools({ configPath, registry, servers: ['a'] });
      const before = (await readToolsFile(toolsPath)).servers.a!;
      await writeConfig({
        servers: { a: { command: 'a', args: ['--new'], idle_timeout: 0 } },
        global_config: { tool_discovery_cache_ttl: 3600 },
      });
      const changed = await discoverTools({ configPath, registry, servers: ['a'] });
      expect(changed[0]!.fromCache).toBe(false);
      expect((await readToolsFile(toolsPath)).servers.a!.fingerprint).not.toBe(before.fingerprint);

      await writeConfig({
        servers: { a: { command: 'a', args: ['--new'], idle_timeout: 0 } },
        global_config: { tool_discovery_cache_ttl: 0 },
      });
      expect((await discoverTools({ configPath, registry, servers: ['a'] }))[0]!.fromCache).toBe(false);
    } finally {
      await registry.close();
    }

    const missing = () => Object.assign(new Error('spawn a ENOENT'), { code: 'ENOENT' });
    const broken = createFakeServerFactory({ failFirst: { times: 10, error: missing } });
    const registry2 = new McpRegistry({
      config: new McpConfigStore(configPath, { env: {} }),
      logger,
      transportFactory: broken.factory,
    });
    try {
      const [failed] = await discoverTools({ configPath, registry: registry2, servers: ['a'] });
      expect(failed).toMatchObject({ server: 'a', ok: false, fromCache: false });
      expect(failed!.error?.code).toBe('MCP_SERVER_UNAVAILABLE');
      expect((await readToolsFile(toolsPath)).servers.a!.tools.length).toBeGreaterThan(0);
    } finally {
      await registry2.close();
    }
  });

  it('follows the tools/list pagination cursor', async () => {
    const factory = async () => {
      const server = new Server({ name: 'paged', version: '1' }, { capabilities: { tools: {} } });
      const pages: Record<
        string,
        { tools: { name: string; inputSchema: { type: 'object' } }[]; nextCursor?: string }
      > = {
        '': { tools: [{ name: 'one', inputSchema: { type: 'object' } }], nextCursor: 'p2' },
        p2: { tools: [{ name: 'two', inputSchema: { type: 'object' } }], nextCursor: 'p3' },
        p3: { tools: [{ name: 'three', inputSchema: { type: 'object' } }] },
      };
      server.setRequestHandler(ListToolsRequestSchema, async (req) => pages[req.params?.cursor ?? '']!);
      const [c, s] = InMemoryTransport.createLinkedPair();
      await server.connect(s);
      return c;
    };
    const registry = new McpRegistry({
      config: new McpConfigStore(configPath, { env: {} }),
      logger,
      transportFactory: factory,
    });
    try {
      const [result] = await discoverTools({ configPath, registry, servers: ['a'] });
      expect(result!.tools.map((t) => t.name)).toEqual(['one', 'two', 'three']);
    } finally {
      await registry.close();
    }
  });

  it('starts and stops its own servers when no registry is given', async () => {
    await writeConfig({ servers: { nope: { command: path.join(dir, 'does-not-exist') } } });
    const [result] = await discoverTools({ configPath, logger });
    expect(result).toMatchObject({ server: 'nope', ok: false });
    expect(result!.error?.message).toContain('does-not-exist" was not found');
  });
});

describe('McpToolCatalog', () => {
  it('reads fresh entries without starting servers, discovers stale ones, and records list_changed', async () => {
    const fake = createFakeServerFactory();
    const registry = new McpRegistry({
      config: new McpConfigStore(configPath, { env: {} }),
      logger,
      transportFactory: fake.factory,
    });
    const catalog = new McpToolCatalog({ configPath, registry, logger });
    try {
      await writeFile(toolsPath, '{ not json');
      const all = await catalog.getAvailableTools();
      expect(Object.keys(all)).toEqual(['a', 'b']);
      expect(fake.state.connections).toBe(2);
      await registry.stop('a');
      await registry.stop('b');
      const onlyA = await catalog.getAvailableTools('a');
      expect(onlyA.map((t) => t.name)).toContain('echo');
      expect(fake.state.connections).toBe(2);

      await registry.callTool('a', 'add-tool', { name: 'brand-new' });
      await until(async () => {
        await catalog.flush();
        return (await readToolsFile(toolsPath)).servers.a!.tools.some((t) => t.name === 'brand-new');
      });
      expect(JSON.parse(await readFile(toolsPath, 'utf8')).version).toBe(1);
    } finally {
      catalog.dispose();
      await registry.close();
    }
  });
});
