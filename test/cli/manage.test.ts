import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeUnwritable, read, runAi, tempProject } from './helpers';

// Deliberately hand-formatted: edits must leave everything they do not touch byte for byte.
const CONFIG = `{
  // project servers
  "servers": {
    "seq": { "type": "external", "enabled": true, "command": "npx -y @modelcontextprotocol/server-sequential-thinking", "config": { "max_thoughts": 10 } },
    "memory": {"type": "external", "command": "npx -y @modelcontextprotocol/server-memory"}
  },
  "x-custom": {"kept": true},
  "chains": {
    "think": { "servers": ["seq", "memory"] },
    "solo": { "servers": ["seq"] },
    "outer": { "servers": ["solo"] }
  }
}
`;

const TOOLS = JSON.stringify({
  version: 1,
  servers: {
    seq: {
      tools: [{ name: 'sequentialthinking', inputSchema: {} }],
      discoveredAt: new Date().toISOString(),
      fingerprint: 'a',
    },
    memory: {
      tools: [{ name: 'read_graph', inputSchema: {} }],
      discoveredAt: new Date().toISOString(),
      fingerprint: 'b',
    },
  },
});

describe('ai mcp enable / disable', () => {
  it('flips only the enabled flag and keeps the rest of the file as written', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const file = path.join(dir, '.mcp.json');
    const off = await runAi(['mcp', 'disable', 'seq', '--config', file, '--json']);
    expect(off.exitCode).toBe(0);
    expect(off.json()).toEqual({ server: 'seq', enabled: false, changed: true });
    expect(read(dir, '.mcp.json')).toBe(CONFIG.replace('"enabled": true', '"enabled": false'));

    const again = await runAi(['mcp', 'disable', 'seq', '--config', file]);
    expect(again.stdout).toContain('already disabled');

    const on = await runAi(['mcp', 'enable', 'seq', '--config', file]);
    expect(on.exitCode).toBe(0);
    expect(read(dir, '.mcp.json')).toBe(CONFIG);
    expect(readdirSync(dir)).toEqual(['.mcp.json']);
  });

  it('adds enabled: false to an entry that had no flag, and removes a legacy "disabled" key', async () => {
    const dir = tempProject({
      '.mcp.json':
        '{\n  "mcpServers": {\n    "a": { "command": "x" },\n    "b": { "command": "y", "disabled": true }\n  }\n}\n',
    });
    const file = path.join(dir, '.mcp.json');
    expect((await runAi(['mcp', 'disable', 'a', '--config', file])).exitCode).toBe(0);
    expect((await runAi(['mcp', 'enable', 'b', '--config', file])).exitCode).toBe(0);
    const json = JSON.parse(read(dir, '.mcp.json'));
    expect(json.mcpServers.a).toEqual({ command: 'x', enabled: false });
    // The client form is enabled by default, so enabling just drops the legacy key.
    expect(json.mcpServers.b).toEqual({ command: 'y' });
  });

  it('names unknown servers with a suggestion and exits 2', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const result = await runAi(['mcp', 'enable', 'sqe', '--config', path.join(dir, '.mcp.json'), '--json']);
    expect(result.exitCode).toBe(2);
    const doc = result.json() as { ok: boolean; error: { code: string; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('NOT_FOUND');
    expect(doc.error.message).toContain('Did you mean "seq"?');
  });

  it('exits 3 on a malformed .mcp.json, naming the file and the position', async () => {
    const dir = tempProject({ '.mcp.json': '{\n  "servers": {\n    "a": { "command": "x", }\n    "b": 1\n' });
    const result = await runAi(['mcp', 'disable', 'a', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(path.join(dir, '.mcp.json'));
    expect(result.stderr).toMatch(/line \d+, column \d+/);
  });

  it('fails with exit 1 and a clear message when the file cannot be replaced, leaving it as it was', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const file = path.join(dir, '.mcp.json');
    const undo = makeUnwritable(file);
    if (!undo) return; // neither chattr nor a non-root user here: nothing can make the file unwritable
    try {
      const result = await runAi(['mcp', 'disable', 'seq', '--config', file]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/Cannot write .*\.mcp\.json \((EPERM|EACCES)\)/);
      expect(result.stderr).toContain('permissions');
    } finally {
      undo();
    }
    expect(read(dir, '.mcp.json')).toBe(CONFIG);
    expect(readdirSync(dir)).toEqual(['.mcp.json']);
  });
});

describe('ai mcp remove', () => {
  it('refuses to wait for a confirmation without a terminal: exit 2, nothing changed', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const result = await runAi(['mcp', 'remove', 'seq', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Pass --yes to confirm');
    expect(read(dir, '.mcp.json')).toBe(CONFIG);
  });

  it('removes the server and its tools entry, warns about chains and keeps them valid', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG, '.mcp.tools.json': TOOLS });
    const result = await runAi([
      'mcp',
      'remove',
      'seq',
      '--yes',
      '--json',
      '--config',
      path.join(dir, '.mcp.json'),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({
      server: 'seq',
      action: 'remove',
      chains: ['think', 'solo'],
      chainsUpdated: ['think'],
      chainsRemoved: ['solo', 'outer'],
      toolsCacheEntryRemoved: true,
    });
    expect(result.stderr).toContain('chain "think" references seq');
    const text = read(dir, '.mcp.json');
    expect(text).toContain('// project servers');
    expect(text).toContain(
      '"memory": {"type": "external", "command": "npx -y @modelcontextprotocol/server-memory"}',
    );
    expect(text).toContain('"x-custom": {"kept": true}');
    expect(text).not.toContain('"seq"');
    const tools = JSON.parse(read(dir, '.mcp.tools.json'));
    expect(Object.keys(tools.servers)).toEqual(['memory']);

    const list = await runAi(['mcp', 'list', '--json', '--config', path.join(dir, '.mcp.json')]);
    expect(list.exitCode).toBe(0);
    expect(list.json().chains).toEqual([{ name: 'think', servers: ['memory'] }]);
  });

  it('--keep-config disables instead of removing', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG, '.mcp.tools.json': TOOLS });
    const result = await runAi([
      'mcp',
      'remove',
      'seq',
      '--keep-config',
      '-y',
      '--config',
      path.join(dir, '.mcp.json'),
    ]);
    expect(result.exitCode).toBe(0);
    expect(read(dir, '.mcp.json')).toBe(CONFIG.replace('"enabled": true', '"enabled": false'));
    expect(JSON.parse(read(dir, '.mcp.tools.json')).servers.seq).toBeDefined();
  });

  it('--uninstall says when nothing was installed (npx -y)', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const result = await runAi([
      'mcp',
      'remove',
      'seq',
      '--uninstall',
      '--non-interactive',
      '--json',
      '--config',
      path.join(dir, '.mcp.json'),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('runs through npx -y; nothing was installed');
    expect(result.json().uninstalled).toEqual([]);
  });

  it('exits 2 for an unknown server and leaves no files behind', async () => {
    const dir = tempProject({ '.mcp.json': CONFIG });
    const result = await runAi(['mcp', 'remove', 'memroy', '--yes', '--config', path.join(dir, '.mcp.json')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Did you mean "memory"?');
    expect(existsSync(path.join(dir, '.mcp.tools.json'))).toBe(false);
    expect(statSync(path.join(dir, '.mcp.json')).size).toBe(CONFIG.length);
  });
});
