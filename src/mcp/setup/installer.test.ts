import { CATALOG, findCatalogEntry, defaultVariant } from './catalog';
import { detectInstall, launchCommand, planInstall, planUninstall, runInstallSteps } from './installer';

const seq = defaultVariant(findCatalogEntry('sequential-thinking')!);
const pkg = seq.package!;

describe('installer', () => {
  it('plans what each install mode runs', () => {
    expect(planInstall(pkg, 'global', '/p').map((s) => s.display)).toEqual([`npm install -g ${pkg.name}`]);
    expect(planInstall(pkg, 'local', '/p').map((s) => s.display)).toEqual([
      `npm install --no-audit --no-fund ${pkg.name}`,
    ]);
    expect(planInstall(pkg, 'none', '/p')).toEqual([]);
    expect(planInstall(undefined, 'global', '/p')).toEqual([]);
    expect(planUninstall(pkg, 'global', '/p').map((s) => s.display)).toEqual([
      `npm uninstall -g ${pkg.name}`,
    ]);
    expect(planUninstall(pkg, 'none', '/p')).toEqual([]);
  });

  it('derives the launch command from the mode, and the mode back from the command', () => {
    for (const mode of ['global', 'local', 'none'] as const) {
      const { command, args } = launchCommand(seq, mode);
      expect(detectInstall(command, args)).toEqual({ pkg, mode });
    }
    const docker = findCatalogEntry('github')!.variants.find((v) => v.id === 'docker')!;
    expect(launchCommand(docker, 'global').command).toBe('docker');
    expect(detectInstall('docker', ['run'])).toBeUndefined();
    expect(detectInstall(undefined, [])).toBeUndefined();
    expect(detectInstall('npx', ['-y', 'some-other-package'])).toBeUndefined();
    expect(detectInstall('npx -y @modelcontextprotocol/server-memory', [])).toMatchObject({ mode: 'none' });
  });

  it('every catalog entry has a usable default variant', () => {
    for (const entry of CATALOG) expect(defaultVariant(entry).deprecated).toBeUndefined();
  });

  it('streams the output of a step and reports a failing one with its exit code', async () => {
    const out: string[] = [];
    await runInstallSteps(
      [{ command: process.execPath, args: ['-e', 'console.log("installed")'], cwd: '.', display: 'ok' }],
      (c) => out.push(c),
    );
    expect(out.join('')).toContain('installed');
    await expect(
      runInstallSteps(
        [{ command: process.execPath, args: ['-e', 'process.exit(3)'], cwd: '.', display: 'npm install x' }],
        () => {},
      ),
    ).rejects.toThrow(/"npm install x" failed with exit code 3/);
    await expect(
      runInstallSteps(
        [
          {
            command: process.execPath,
            args: ['-e', 'console.error("getaddrinfo ENOTFOUND registry.npmjs.org"); process.exit(1)'],
            cwd: '.',
            display: 'npm i',
          },
        ],
        () => {},
      ),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(
      runInstallSteps(
        [{ command: 'no-such-npm-binary-xyz', args: [], cwd: '.', display: 'npm i' }],
        () => {},
      ),
    ).rejects.toThrow(/Is npm installed and on PATH\?/);
  });
});
