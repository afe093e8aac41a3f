/** Bad `.mcp.json` files from disk: each fails with CONFIG_INVALID naming the file, server and field. */
import path from 'node:path';
import { loadMcpConfig, McpConfigError } from '../../src/mcp/config';

const fixture = (name: string) => path.resolve(__dirname, '../fixtures/mcp/bad', name);

it.each([
  ['malformed.json', /malformed JSON at line 5, column 1/, {}],
  [
    'missing-variable.json',
    /\$\{MCP_FIXTURE_UNSET_TOKEN\}.*is not set/,
    { server: 'github', field: 'env.GITHUB_PERSONAL_ACCESS_TOKEN', variable: 'MCP_FIXTURE_UNSET_TOKEN' },
  ],
  ['unknown-type.json', /server "ws": type: must be one of/, { server: 'ws', field: 'type' }],
  ['duplicate-name.json', /"memory" is defined in both "servers" and "mcpServers"/, { server: 'memory' }],
  ['chain-cycle.json', /chain cycle: a -> b -> c -> a/, { field: 'chains.a.servers' }],
])('%s is rejected clearly', async (name, message, details) => {
  const error = await loadMcpConfig(fixture(name), { env: {} }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(McpConfigError);
  expect((error as McpConfigError).code).toBe('CONFIG_INVALID');
  expect((error as McpConfigError).message).toMatch(message);
  expect((error as McpConfigError).message.startsWith(fixture(name))).toBe(true);
  expect((error as McpConfigError).details).toMatchObject({ file: fixture(name), ...details });
});
