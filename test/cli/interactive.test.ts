/**
 * The wizard driven through real prompts in a pseudo-terminal: arrow keys, masked key entry and
 * confirmations, exactly as a person would answer them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { read, runInTerminal, tempProject } from './helpers';

const ENTER = '\r';
const DOWN = '\x1b[B';

describe('interactive wizard (pseudo-terminal)', () => {
  it('setup: choose a server, an install mode, type a masked key', async () => {
    const dir = tempProject();
    const { screen, exitCode } = await runInTerminal(
      ['mcp', 'setup', '--skip-test', '--config', path.join(dir, '.mcp.json')],
      [
        { expect: /Which MCP server do you want to set up\?/, send: DOWN + DOWN + ENTER },
        { expect: /Install @brave\/brave-search-mcp-server\?/, send: DOWN + DOWN + ENTER },
        { expect: /Brave Search API key \(BRAVE_API_KEY\)/, send: `typed-secret-99${ENTER}` },
      ],
    );
    expect(exitCode).toBe(0);
    expect(screen).toContain('***************');
    expect(screen).not.toContain('typed-secret-99');
    expect(read(dir, '.env')).toBe('BRAVE_API_KEY=typed-secret-99\n');
    expect(JSON.parse(read(dir, '.mcp.json')).mcpServers['brave-search']).toEqual({
      type: 'stdio',
      command: 'npx',
      args: ['-y', '@brave/brave-search-mcp-server'],
      env: { BRAVE_API_KEY: '${BRAVE_API_KEY}' },
    });
  }, 90_000);

  it('setup: asks before updating a configured server and changes nothing when declined', async () => {
    const original =
      '{\n  "mcpServers": {\n    "everything": { "command": "mcp-server-everything" }\n  }\n}\n';
    const dir = tempProject({ '.mcp.json': original });
    const { screen, exitCode } = await runInTerminal(
      ['mcp', 'setup', 'everything', '--config', path.join(dir, '.mcp.json')],
      [{ expect: /"everything" is already configured in[\s\S]*Update it\?/, send: `n${ENTER}` }],
    );
    expect(exitCode).toBe(0);
    expect(screen).toContain('Nothing changed');
    expect(read(dir, '.mcp.json')).toBe(original);
  }, 90_000);

  it('remove: declines, then confirms', async () => {
    const original =
      '{\n  "mcpServers": {\n    "a": { "command": "x" },\n    "b": { "command": "y" }\n  }\n}\n';
    const dir = tempProject({ '.mcp.json': original });
    const file = path.join(dir, '.mcp.json');
    const declined = await runInTerminal(
      ['mcp', 'remove', 'a', '--config', file],
      [{ expect: /Remove "a" from[\s\S]*?\?/, send: `n${ENTER}` }],
    );
    expect(declined.exitCode).toBe(0);
    expect(declined.screen).toContain('Nothing changed');
    expect(readFileSync(file, 'utf8')).toBe(original);

    const confirmed = await runInTerminal(
      ['mcp', 'remove', 'a', '--config', file],
      [{ expect: /Remove "a" from[\s\S]*?\?/, send: `y${ENTER}` }],
    );
    expect(confirmed.exitCode).toBe(0);
    expect(confirmed.screen).toContain('a removed.');
    expect(JSON.parse(readFileSync(file, 'utf8')).mcpServers).toEqual({ b: { command: 'y' } });
    expect(existsSync(path.join(dir, '.env'))).toBe(false);
  }, 90_000);
});
