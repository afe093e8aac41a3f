/**
 * A real `--install local` from the npm registry into a fresh project, then a real test and tool
 * discovery of the installed server, then `remove --uninstall`. One such test only: it is slow.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runBinary, tempProject } from './helpers';

const PKG = '@modelcontextprotocol/server-sequential-thinking';

describe('real install', () => {
  it('setup sequential-thinking --install local, then remove --uninstall', async () => {
    const dir = tempProject({
      'package.json': JSON.stringify({ name: 'cli-install-test', version: '1.0.0', private: true }),
    });
    const setup = await runBinary(
      ['mcp', 'setup', 'sequential-thinking', '--install', 'local', '--yes', '--json'],
      { cwd: dir },
    );
    if (setup.exitCode !== 0)
      throw new Error(`setup failed (${setup.exitCode}):\n${setup.stderr}\n${setup.stdout}`);
    const doc = JSON.parse(setup.stdout);
    expect(doc.install).toEqual([`npm install --no-audit --no-fund ${PKG}`]);
    expect(setup.stderr).toContain(`→ Install: npm install --no-audit --no-fund ${PKG}`);
    expect(doc.steps.map((s: { step: string }) => s.step)).toEqual([
      'install',
      'validate',
      'test',
      'write',
      'discover',
    ]);
    expect(doc.tools.map((t: { name: string }) => t.name)).toEqual(['sequentialthinking']);
    expect(existsSync(path.join(dir, 'node_modules', PKG, 'package.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies[PKG]).toBeDefined();
    expect(
      JSON.parse(readFileSync(path.join(dir, '.mcp.json'), 'utf8')).mcpServers['sequential-thinking'],
    ).toEqual({
      type: 'stdio',
      command: 'npx',
      args: ['--no-install', PKG],
    });

    const remove = await runBinary(
      ['mcp', 'remove', 'sequential-thinking', '--uninstall', '--yes', '--json'],
      { cwd: dir },
    );
    if (remove.exitCode !== 0) throw new Error(`remove failed (${remove.exitCode}):\n${remove.stderr}`);
    expect(JSON.parse(remove.stdout)).toMatchObject({
      action: 'remove',
      uninstalled: [`npm uninstall --no-audit --no-fund ${PKG}`],
    });
    expect(existsSync(path.join(dir, 'node_modules', PKG))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, '.mcp.json'), 'utf8')).mcpServers).toEqual({});
  }, 240_000);
});
