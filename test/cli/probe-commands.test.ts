import path from 'node:path';
import { read, runAi, tempProject, withServersOnPath } from './helpers';

let restorePath: () => void;
beforeAll(() => {
  restorePath = withServersOnPath();
});
afterAll(() => restorePath());

const servers = {
  mcpServers: {
    seq: { command: 'mcp-server-sequential-thinking' },
    ev: { command: 'mcp-server-everything' },
    keyed: { command: 'brave-search-mcp-server', env: { BRAVE_API_KEY: '${CLI_TEST_UNSET_KEY}' } },
    off: { command: 'mcp-server-memory', enabled: false },
  },
  chains: { thinking: { servers: ['seq'] } },
};

function project() {
  const dir = tempProject({ '.mcp.json': JSON.stringify(servers, null, 2) });
  return { dir, file: path.join(dir, '.mcp.json') };
}

describe('ai mcp discover', () => {
  it('discovers one server, writes .mcp.tools.json, then serves it from the cache until --force', async () => {
    const { dir, file } = project();
    const first = await runAi(['mcp', 'discover', 'seq', '--json', '--config', file]);
    expect(first.exitCode).toBe(0);
    const doc = first.json() as {
      servers: { server: string; ok: boolean; fromCache: boolean; tools: { name: string }[] }[];
    };
    expect(doc.servers).toEqual([expect.objectContaining({ server: 'seq', ok: true, fromCache: false })]);
    expect(doc.servers[0]?.tools.map((t) => t.name)).toEqual(['sequentialthinking']);
    expect(Object.keys(JSON.parse(read(dir, '.mcp.tools.json')).servers)).toEqual(['seq']);

    const cached = await runAi(['mcp', 'discover', 'thinking', '--json', '--config', file]);
    expect((cached.json() as typeof doc).servers[0]?.fromCache).toBe(true);
    const forced = await runAi(['mcp', 'discover', 'seq', '--force', '--config', file]);
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toMatch(/seq\s+ok\s+1\s+\d/);

    const tools = await runAi(['mcp', 'list', '--tools', '--config', file]);
    expect(tools.stdout).toMatch(/seq:\n {2}sequentialthinking\(thought: string, nextThoughtNeeded: /);
    expect(tools.stdout).toContain('ev: no tools cached (run ai mcp discover)');

    const list = await runAi(['mcp', 'list', '--json', '--config', file]);
    const seq = (list.json() as { servers: { name: string; toolCount?: number; cacheAgeMs?: number }[] })
      .servers[0];
    expect(seq).toMatchObject({ name: 'seq', toolCount: 1 });
    expect(seq?.cacheAgeMs).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('discovers every enabled server; one unset key fails that server only (exit 4)', async () => {
    const { file } = project();
    const result = await runAi(['mcp', 'discover', '--json', '--config', file]);
    expect(result.exitCode).toBe(4);
    const doc = result.json() as {
      ok: boolean;
      servers: { server: string; ok: boolean; error?: { variable?: string } }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.servers.map((s) => [s.server, s.ok])).toEqual([
      ['seq', true],
      ['ev', true],
      ['keyed', false],
    ]);
    expect(doc.servers[2]?.error?.variable).toBe('CLI_TEST_UNSET_KEY');
  }, 60_000);

  it('exits 2 with a suggestion for an unknown server', async () => {
    const { file } = project();
    const result = await runAi(['mcp', 'discover', 'sq', '--config', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Did you mean "seq"');
  });
});

describe('ai mcp test', () => {
  it('times each step and the optional call', async () => {
    const { file } = project();
    const result = await runAi([
      'mcp',
      'test',
      'ev',
      '--call',
      'echo',
      '--args',
      '{"message":"hello"}',
      '--json',
      '--config',
      file,
    ]);
    expect(result.exitCode).toBe(0);
    const doc = result.json() as {
      servers: { server: string; ok: boolean; steps: { step: string; ok: boolean; durationMs: number }[] }[];
    };
    expect(doc.servers[0]?.steps.map((s) => [s.step, s.ok])).toEqual([
      ['start', true],
      ['initialize', true],
      ['listTools', true],
      ['call', true],
    ]);
    expect(doc.servers[0]?.steps.every((s) => typeof s.durationMs === 'number')).toBe(true);
  }, 60_000);

  it('a tool that answers with an error is exit 6', async () => {
    const { file } = project();
    const result = await runAi(['mcp', 'test', 'ev', '--call', 'no-such-tool', '--config', file]);
    expect(result.exitCode).toBe(6);
    expect(result.stdout).toContain('✗ call');
    expect(result.stdout).toContain('hint:');
  }, 60_000);

  it('tests every enabled server concurrently; a missing variable is exit 4 with where to set it', async () => {
    const { file } = project();
    const result = await runAi(['mcp', 'test', '--json', '--config', file]);
    expect(result.exitCode).toBe(4);
    const doc = result.json() as { servers: { server: string; ok: boolean; steps: { hint?: string }[] }[] };
    expect(doc.servers.map((s) => [s.server, s.ok])).toEqual([
      ['seq', true],
      ['ev', true],
      ['keyed', false],
    ]);
    expect(doc.servers[2]?.steps[0]?.hint).toContain('.env');
  }, 60_000);

  it('a command that is not installed is exit 5 with how to install it', async () => {
    const dir = tempProject({
      '.mcp.json': JSON.stringify({ mcpServers: { gone: { command: 'no-such-mcp-server-cli-test' } } }),
    });
    const result = await runAi(['mcp', 'test', 'gone', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(5);
    expect(result.stdout).toContain('✗ start');
    expect(result.stdout).toMatch(/hint: Install it/);
  });

  it('rejects bad --args and --call without a server (exit 2)', async () => {
    const { file } = project();
    const notJson = await runAi(['mcp', 'test', 'ev', '--call', 'echo', '--args', '{oops', '--config', file]);
    expect(notJson.exitCode).toBe(2);
    expect(notJson.stderr).toContain('--args is not valid JSON');
    const notObject = await runAi(['mcp', 'test', 'ev', '--call', 'echo', '--args', '[1]', '--config', file]);
    expect(notObject.exitCode).toBe(2);
    const noServer = await runAi(['mcp', 'test', '--call', 'echo', '--config', file]);
    expect(noServer.exitCode).toBe(2);
    expect(noServer.stderr).toContain('--call needs a server');
  });
});

describe('ai mcp list', () => {
  it('--check connects to every enabled server and reports status; a failure sets the exit code', async () => {
    const { file } = project();
    const result = await runAi(['mcp', 'list', '--check', '--json', '--config', file]);
    expect(result.exitCode).toBe(4);
    const doc = result.json() as {
      servers: { name: string; check: { status: string; latencyMs?: number } }[];
    };
    expect(doc.servers.map((s) => [s.name, s.check.status])).toEqual([
      ['seq', 'ok'],
      ['ev', 'ok'],
      ['keyed', 'failed'],
      ['off', 'disabled'],
    ]);
    expect(doc.servers[0]?.check.latencyMs).toBeGreaterThan(0);
  }, 60_000);

  it('--check on healthy servers exits 0 and prints a table', async () => {
    const dir = tempProject({
      '.mcp.json': JSON.stringify({ mcpServers: { seq: { command: 'mcp-server-sequential-thinking' } } }),
    });
    const result = await runAi(['mcp', 'list', '--check', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/seq\s+stdio\s+yes\s+-\s+never\s+ok\s+\d+ ms/);
  }, 60_000);

  it('without a config file lists nothing and says how to start', async () => {
    const dir = tempProject();
    const result = await runAi(['mcp', 'list', '--json', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(0);
    expect(result.json().servers).toEqual([]);
    expect(result.stderr).toContain('ai mcp setup');
  });

  it('--available lists the catalog', async () => {
    const result = await runAi(['mcp', 'list', '--available']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/brave-search\s+Brave Search\s+BRAVE_API_KEY/);
  });

  it('warns about unset variables and exits 3 on an invalid entry', async () => {
    const { file } = project();
    const listed = await runAi(['mcp', 'list', '--config', file]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stderr).toContain('keyed: CLI_TEST_UNSET_KEY not set');
    const dir = tempProject({
      '.mcp.json': JSON.stringify({ mcpServers: { bad: { type: 'carrier-pigeon' } } }),
    });
    const invalid = await runAi(['mcp', 'list', '--config', path.join(dir, '.mcp.json')]);
    expect(invalid.exitCode).toBe(3);
    expect(invalid.stderr).toContain('server "bad": type: must be one of');
  });

  it('an unknown flag is a usage error (exit 2)', async () => {
    const result = await runAi(['mcp', 'list', '--bogus']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Nonexistent flag: --bogus');
  });
});
