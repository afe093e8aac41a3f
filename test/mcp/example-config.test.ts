/** The repository's own `.mcp.json` stays valid and uses only servers installed as devDependencies. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadMcpConfig, resolveTargets } from '../../src/mcp';

it('loads without any variable set and resolves its chains', async () => {
  const root = path.resolve(__dirname, '../..');
  // A developer's .env may exist beside it; with no variables at all it must still load.
  const config = await loadMcpConfig(path.join(root, '.mcp.json'), { env: {} });
  const enabled = Object.values(config.servers).filter((s) => s.enabled);
  expect(enabled.map((s) => s.name).sort()).toEqual([
    'everything',
    'filesystem',
    'memory',
    'sequential-thinking',
  ]);
  for (const server of enabled) {
    const pkg = server.args.find((a) => a.startsWith('@'))!;
    expect(existsSync(path.join(root, 'node_modules', pkg, 'package.json'))).toBe(true);
  }
  expect(config.servers.github).toMatchObject({ transport: 'http', enabled: false });
  const research = resolveTargets(config, ['research']);
  expect([...research.servers.keys()]).toEqual(['brave-search', 'sequential-thinking']);
  expect(research.preSteps).toHaveLength(1);
});
