import { mkdtemp, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpConfigError } from './errors';
import { inspectMcpConfig, loadMcpConfig, unsetVariables } from './load';
import { McpConfigStore } from './config-store';
import { resolveTargets } from './chains';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mcp-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(text: string, name = '.mcp.json'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(text: string, env: NodeJS.ProcessEnv = {}): Promise<McpConfigError> {
  const file = await write(text);
  const error = await loadMcpConfig(file, { env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpConfigError);
  return error as McpConfigError;
}

const mixed = `{
  // the design's form
  "servers": {
    "sequential-thinking": {
      "type": "external",
      "enabled": true,
      "command": "npx -y @modelcontextprotocol/server-sequential-thinking",
      "args": ["--verbose"],
      "config": { "max_thoughts": 10 },
    },
    "github": {
      "type": "external",
      "command": "github-mcp-server",
      "args": ["stdio"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "\${GITHUB_TOKEN}" },
      "timeout": 5
    }
  },
  /* the client form */
  "mcpServers": {
    "remote": {
      "type": "http",
      "url": "\${REMOTE_URL:-https://api.example.com/mcp/}",
      "headers": { "Authorization": "Bearer \${GITHUB_TOKEN}" }
    },
    "legacy": { "type": "sse", "url": "http://127.0.0.1:9/sse", "disabled": true }
  },
  "global_config": { "timeout": 20, "max_concurrent": 2, "retry_attempts": 1, "tool_discovery_cache_ttl": 60, "startup_timeout": 90 },
  "chains": {
    "research": { "servers": ["sequential-thinking", "remote"], "denyTools": ["remote__delete_*"] }
  }
}`;

describe('loadMcpConfig', () => {
  it('reads both forms with comments, splits command strings and applies global_config', async () => {
    const file = await write(mixed);
    const config = await loadMcpConfig(file, { env: { GITHUB_TOKEN: 'ghp_secret' } });
    const st = config.servers['sequential-thinking']!;
    expect(st).toMatchObject({
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-sequential-thinking', '--verbose'],
      enabled: true,
      source: 'servers',
      config: { max_thoughts: 10 },
      maxConcurrent: 2,
      retryAttempts: 1,
      timeouts: { callMs: 20_000, startupMs: 90_000, idleMs: 300_000 },
    });
    expect(config.servers.github!.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_secret' });
    expect(config.servers.github!.timeouts.callMs).toBe(5000);
    expect(config.servers.remote).toMatchObject({
      transport: 'http',
      url: 'https://api.example.com/mcp/',
      headers: { Authorization: 'Bearer ghp_secret' },
      source: 'mcpServers',
    });
    expect(config.servers.legacy).toMatchObject({ transport: 'sse', enabled: false });
    expect(config.global.toolDiscoveryCacheTtlMs).toBe(60_000);
    expect(config.chains.research!.servers).toEqual(['sequential-thinking', 'remote']);
    expect(config.expanded).toBe(true);
  });

  it('expands from .env beside the file, the environment winning', async () => {
    await write('GITHUB_TOKEN=from-dotenv\nREMOTE_URL=https://dotenv.example/mcp\n', '.env');
    const file = await write(mixed);
    const config = await loadMcpConfig(file, { env: { GITHUB_TOKEN: 'from-env' } });
    expect(config.servers.github!.env.GITHUB_PERSONAL_ACCESS_TOKEN).toBe('from-env');
    expect(config.servers.remote!.url).toBe('https://dotenv.example/mcp');
  });

  it('names the server, field and variable when a variable is missing, never expanding to ""', async () => {
    const error = await loadError(mixed, { GITHUB_TOKEN: '' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toMatchObject({
      server: 'github',
      field: 'env.GITHUB_PERSONAL_ACCESS_TOKEN',
      variable: 'GITHUB_TOKEN',
    });
    expect(error.message).toContain('${GITHUB_TOKEN}');
    expect(error.message).toContain(path.join(dir, '.mcp.json'));
    expect(error.message).toContain('.env');
  });

  it('does not require the variables of a disabled server', async () => {
    const file = await write(
      '{ "servers": { "gh": { "enabled": false, "url": "${GH_URL}", "headers": { "A": "${GH_TOKEN}" } } } }',
    );
    const config = await loadMcpConfig(file, { env: {} });
    expect(config.servers.gh).toMatchObject({
      enabled: false,
      url: '${GH_URL}',
      headers: { A: '${GH_TOKEN}' },
    });
  });

  it('reports malformed JSON with line and column', async () => {
    const error = await loadError('{\n  "servers": {\n    "a": { "command": "x" \n  }\n');
    expect(error.message).toMatch(/malformed JSON at line \d+, column \d+/);
    expect(error.details.file).toBe(path.join(dir, '.mcp.json'));
  });

  it('rejects an unknown type naming the server and field', async () => {
    const error = await loadError('{ "mcpServers": { "x": { "type": "websocket", "url": "ws://a" } } }');
    expect(error.details).toMatchObject({ server: 'x', field: 'type' });
    expect(error.message).toContain('must be one of external, stdio, http, sse');
  });

  it('rejects a duplicate name within a section and across the two forms', async () => {
    let error = await loadError('{ "servers": { "a": { "command": "x" }, "a": { "command": "y" } } }');
    expect(error.details).toMatchObject({ server: 'a', field: 'servers.a' });
    error = await loadError(
      '{ "servers": { "a": { "command": "x" } }, "mcpServers": { "a": { "command": "y" } } }',
    );
    expect(error.message).toContain('defined in both "servers" and "mcpServers"');
  });

  it('rejects chain cycles, unknown members and name clashes', async () => {
    const base = { servers: { a: { command: 'x' } } };
    let error = await loadError(
      JSON.stringify({ ...base, chains: { one: { servers: ['two'] }, two: { servers: ['a', 'one'] } } }),
    );
    expect(error.message).toMatch(/chain cycle: (one -> two -> one|two -> one -> two)/);
    error = await loadError(JSON.stringify({ ...base, chains: { one: { servers: ['nope'] } } }));
    expect(error.details.field).toBe('chains.one.servers[0]');
    error = await loadError(JSON.stringify({ ...base, chains: { a: { servers: ['a'] } } }));
    expect(error.message).toContain('same name as a server');
    error = await loadError(JSON.stringify({ ...base, chains: { one: { servers: [] } } }));
    expect(error.message).toContain('at least one');
    error = await loadError(
      JSON.stringify({
        ...base,
        chains: { one: { servers: ['a'], preSteps: [{ server: 'zz', tool: 't' }] } },
      }),
    );
    expect(error.details.field).toBe('chains.one.preSteps[0].server');
  });

  it('validates fields, urls and global_config', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['{ "servers": { "a": { "type": "stdio" } } }', { server: 'a', field: 'command' }],
      ['{ "servers": { "a": { "type": "http" } } }', { server: 'a', field: 'url' }],
      ['{ "servers": { "a": {} } }', { server: 'a', field: 'command' }],
      ['{ "servers": { "a": { "url": "http://x", "command": "y" } } }', { field: 'url' }],
      ['{ "servers": { "a": { "url": "not a url" } } }', { field: 'url' }],
      ['{ "servers": { "a": { "url": "ftp://x/y" } } }', { field: 'url' }],
      ['{ "servers": { "a": { "command": "x", "max_concurrent": 0 } } }', { field: 'max_concurrent' }],
      ['{ "servers": { "a": { "command": "x", "env": { "A": 1 } } } }', { field: 'env.A' }],
      ['{ "servers": { "a": { "command": "\'unterminated" } } }', { field: 'command' }],
      ['{ "servers": { "a": { "command": "   " } } }', { field: 'command' }],
      ['{ "servers": { "a": 3 } }', { server: 'a' }],
      ['{ "servers": [] }', { field: 'servers' }],
      ['{ "global_config": { "timeout": -1 } }', { field: 'global_config.timeout' }],
      ['{ "servers": {}, "servers": {} }', { field: 'servers' }],
      ['[]', {}],
    ];
    for (const [text, details] of cases) {
      const error = await loadError(text);
      expect(error.details).toMatchObject(details);
    }
  });

  it('fails clearly on a missing file or explicit env file', async () => {
    await expect(loadMcpConfig(path.join(dir, 'none.json'))).rejects.toThrow('file not found');
    const file = await write('{}');
    await expect(loadMcpConfig(file, { envFile: path.join(dir, 'missing.env') })).rejects.toThrow(
      'cannot read env file',
    );
  });
});

describe('inspectMcpConfig', () => {
  it('reads without expanding, listing the variables each server uses', async () => {
    const file = await write(mixed);
    const config = await inspectMcpConfig(file);
    expect(config.expanded).toBe(false);
    expect(config.servers.github!.env.GITHUB_PERSONAL_ACCESS_TOKEN).toBe('${GITHUB_TOKEN}');
    expect(config.servers.remote!.variables.sort()).toEqual(['GITHUB_TOKEN', 'REMOTE_URL']);
    expect(await unsetVariables(config.servers.remote!, file, { env: {} })).toEqual(
      expect.arrayContaining(['GITHUB_TOKEN', 'REMOTE_URL']),
    );
    expect(await unsetVariables(config.servers.github!, file, { env: { GITHUB_TOKEN: 'x' } })).toEqual([]);
  });
});

describe('McpConfigStore', () => {
  it('picks up a changed file without a restart and keeps the last good config on a bad edit', async () => {
    const file = await write('{ "servers": { "a": { "command": "x" } } }');
    const store = new McpConfigStore(file, { env: {} });
    const first = await store.current();
    expect(Object.keys(first.servers)).toEqual(['a']);
    expect(await store.current()).toBe(first);

    await writeFile(file, '{ "servers": { "a": { "command": "x" }, "b": { "command": "y" } } }');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const second = await store.current();
    expect(Object.keys(second.servers)).toEqual(['a', 'b']);

    await writeFile(file, '{ broken');
    await utimes(file, new Date(), new Date(Date.now() + 10000));
    expect(await store.current()).toBe(second);
    expect(store.lastError).toBeInstanceOf(McpConfigError);
  });

  it('throws when the first load fails', async () => {
    const store = new McpConfigStore(path.join(dir, 'nope.json'));
    await expect(store.current()).rejects.toThrow('file not found');
  });
});

describe('resolveTargets', () => {
  const servers = Object.fromEntries(['a', 'b', 'c'].map((n) => [n, { name: n } as never]));
  const chains = {
    inner: {
      name: 'inner',
      servers: ['a', 'b'],
      allowTools: ['read_*', 'b__write'],
      denyTools: [],
      preSteps: [],
    },
    outer: {
      name: 'outer',
      servers: ['inner', 'c'],
      allowTools: [],
      denyTools: ['read_secret'],
      preSteps: [{ server: 'a', tool: 'think', arguments: {} }],
    },
  };
  it('applies nested allow/deny lists and unions servers reached twice', () => {
    const { servers: targets, preSteps } = resolveTargets({ servers, chains }, ['outer']);
    expect([...targets.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(targets.get('a')!('read_file')).toBe(true);
    expect(targets.get('a')!('read_secret')).toBe(false);
    expect(targets.get('a')!('write')).toBe(false);
    expect(targets.get('b')!('write')).toBe(true);
    expect(targets.get('c')!('anything')).toBe(true);
    expect(preSteps).toHaveLength(1);

    const both = resolveTargets({ servers, chains }, ['outer', 'a']).servers;
    expect(both.get('a')!('write')).toBe(true);
  });

  it('rejects a name that is neither a server nor a chain', () => {
    expect(() => resolveTargets({ servers, chains }, ['zzz'])).toThrow(McpConfigError);
  });
});
