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
        },
      }),
    });
    const result = await runAi(['mcp', 'list', '--json', '--config', `${dir}/.mcp.json`]);
    expect(result.exitCode).toBe(0);
    const doc = result.json() as {
      servers: { name: string; target: string; enabled: boolean; headers: Record<string, string> }[];
    };
    expect(doc.servers.map((s) => s.name)).toEqual(['seq', 'gh', 'off']);
    expect(result.stdout).not.toContain('ghp_literalsecret123');
    expect(result.stdout).not.toContain('sk-live-abcdef');
    expect(doc.servers[1]?.headers.Authorization).toBe('Bearer ***');
    expect(doc.servers[2]?.target).toBe('srv --api-key ***');
    expect(doc.servers[2]?.enabled).toBe(false);
  });
});
