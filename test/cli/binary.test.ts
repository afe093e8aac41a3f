/** The real `ai` binary as a child process: exit codes, one JSON document on stdout, help. */
import path from 'node:path';
import { runBinary, tempProject } from './helpers';

describe('ai binary', () => {
  it('mcp list --json prints exactly one JSON document on stdout and exits 0', async () => {
    const dir = tempProject({
      '.mcp.json': JSON.stringify({ mcpServers: { a: { command: 'x', env: { TOKEN: '${T}' } } } }),
    });
    const result = await runBinary(['mcp', 'list', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ servers: [{ name: 'a', unsetVariables: ['T'] }] });
    expect(result.stderr).toContain('a: T not set');
  }, 60_000);

  it('--config points at another file; errors are JSON too under --json (exit 3)', async () => {
    const dir = tempProject({ 'other.json': '{ "mcpServers": { "a": ' });
    const result = await runBinary(['mcp', 'list', '--json', '--config', path.join(dir, 'other.json')]);
    expect(result.exitCode).toBe(3);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', exitCode: 3 } });
    expect(doc.error.message).toContain('other.json: malformed JSON');
  }, 60_000);

  it('an unknown command exits 2 with a suggestion', async () => {
    const result = await runBinary(['mcp', 'lsit']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Did you mean "ai mcp list"');
  }, 60_000);

  it('--help lists every command with examples and the exit codes', async () => {
    const result = await runBinary(['--help']);
    expect(result.exitCode).toBe(0);
    for (const verb of ['setup', 'discover', 'test', 'list', 'remove', 'enable', 'disable']) {
      expect(result.stdout).toContain(`ai mcp ${verb}`);
    }
    expect(result.stdout).toContain('$ ai mcp setup brave-search --secret BRAVE_API_KEY=');
    expect(result.stdout).toContain('4 auth or missing secret');
  }, 60_000);

  // A short-lived CLI must not exit while a server's process tree is being killed (the waits
  // of that shutdown hold the event loop): it prints its result and the right exit code.
  it('mcp test prints its result after killing a server that never initialised (exit 5)', async () => {
    const everything = path.resolve(__dirname, '../../node_modules/.bin/mcp-server-everything');
    const dir = tempProject({
      '.mcp.json': JSON.stringify({
        mcpServers: {
          everything: { command: everything, args: ['stdio'] },
          hang: {
            command: process.execPath,
            args: ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"],
            startup_timeout: 1,
          },
        },
      }),
    });
    const result = await runBinary(['mcp', 'test', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(5);
    const doc = JSON.parse(result.stdout);
    const byName = Object.fromEntries(
      doc.servers.map((s: { server: string; ok: boolean }) => [s.server, s.ok]),
    );
    expect(byName).toEqual({ everything: true, hang: false });
    expect(doc.servers[1].code).toBe('MCP_TIMEOUT');
  }, 60_000);

  it('without a terminal, a wizard question fails at once naming the flag (never waits)', async () => {
    const dir = tempProject();
    const result = await runBinary(['mcp', 'setup', 'memory', '--install', 'none'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Missing --set memory-file=<value>');
  }, 60_000);
});
