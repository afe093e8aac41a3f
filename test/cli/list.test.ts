import { runAi, tempProject } from './helpers';

describe('ai mcp list', () => {
  it('lists servers from both forms with secrets redacted and prints one JSON document', async () => {
    const dir = tempProject({
      '.mcp.json': JSON.stringify({
        servers: {
          seq: {
            type: 'external',
            enabled: true,
            command: 'npx -y @modelcontextprotocol/server-sequential-thinking',
          },
        },
        mcpServers: {
          gh: {
            type: 'http',
            url: 'https://api.githubcopilot.com/mcp/',
            headers: { Authorization: 'Bearer ghp_literalsecret123' },
          },
          off: { command: 'srv', args: ['--api-key', 'sk-live-abcdef'], enabled: false },
          dflt: { command: 'srv', args: ['${ROOT_DIR_CLI_TEST:-.}', '${A_CLI_TEST}${B_CLI_TEST}'] },
        },
      }),
    });
    const result = await runAi(['mcp', 'list', '--json', '--config', `${dir}/.mcp.json`]);
    expect(result.exitCode).toBe(0);
    const doc = result.json() as {
      servers: { name: string; target: string; enabled: boolean; headers: Record<string, string> }[];
    };
    expect(doc.servers.map((s) => s.name)).toEqual(['seq', 'gh', 'off', 'dflt']);
    // A variable with a default is not "unset"; two in one string are both reported.
    expect((doc.servers[3] as unknown as { unsetVariables: string[] }).unsetVariables).toEqual([
      'A_CLI_TEST',
      'B_CLI_TEST',
    ]);
    expect(result.stdout).not.toContain('ghp_literalsecret123');
    expect(result.stdout).not.toContain('sk-live-abcdef');
    expect(doc.servers[1]?.headers.Authorization).toBe('Bearer ***');
    expect(doc.servers[2]?.target).toBe('srv --api-key ***');
    expect(doc.servers[2]?.enabled).toBe(false);
  });
});

describe('ai help and unknown commands (in process)', () => {
  it('root help lists every command with examples', async () => {
    const result = await runAi(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('ai mcp remove');
    expect(result.stdout).toContain('$ ai mcp list --check');
    expect(result.stdout).toContain('EXIT CODES');
  });

  it('an unknown command is exit 2 with "did you mean"', async () => {
    const result = await runAi(['mcp', 'dicsover']);
    expect(result.exitCode).toBe(2);
    expect(result.errorMessage).toContain('Did you mean "ai mcp discover"');
  });
});
