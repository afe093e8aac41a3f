import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { read, runAi, tempProject, withServersOnPath } from './helpers';

let restorePath: () => void;
beforeAll(() => {
  restorePath = withServersOnPath();
});
afterAll(() => restorePath());

const config = (dir: string) => path.join(dir, '.mcp.json');

describe('ai mcp setup: flags only', () => {
  it('--list prints the catalog, including the GitHub variants and the deprecation note', async () => {
    const result = await runAi(['mcp', 'setup', '--list', '--json']);
    expect(result.exitCode).toBe(0);
    const { available } = result.json() as {
      available: { id: string; variants: { id: string; deprecated?: string }[] }[];
    };
    expect(available.map((e) => e.id)).toEqual([
      'sequential-thinking',
      'github',
      'brave-search',
      'filesystem',
      'memory',
      'everything',
      'custom',
    ]);
    const github = available.find((e) => e.id === 'github');
    expect(github?.variants.map((v) => v.id)).toEqual(['binary', 'docker', 'remote', 'npm-legacy']);
    expect(github?.variants.find((v) => v.id === 'npm-legacy')?.deprecated).toMatch(/archived/);
  });

  it('stores a key in .env (0600, git-ignored) and only a ${VAR} reference in .mcp.json', async () => {
    const dir = tempProject({ '.gitignore': 'node_modules/\n' });
    const result = await runAi([
      'mcp',
      'setup',
      'brave-search',
      '--secret',
      'BRAVE_API_KEY=bsk-secret-value-42',
      '--install',
      'none',
      '--skip-test',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('bsk-secret-value-42');
    expect(result.json()).toMatchObject({
      name: 'brave-search',
      action: 'add',
      secretsStored: ['BRAVE_API_KEY'],
      gitignoreAdded: '.env',
    });
    expect(read(dir, '.env')).toBe('BRAVE_API_KEY=bsk-secret-value-42\n');
    expect(statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(read(dir, '.gitignore')).toMatch(/^node_modules\/\n# secrets .*\n\.env\n$/);
    const written = JSON.parse(read(dir, '.mcp.json'));
    expect(written).toEqual({
      mcpServers: {
        'brave-search': {
          type: 'stdio',
          command: 'npx',
          args: ['-y', '@brave/brave-search-mcp-server'],
          env: { BRAVE_API_KEY: '${BRAVE_API_KEY}' },
        },
      },
    });
  });

  it('exits 4 under --yes when a key is missing, naming the flag, and writes nothing', async () => {
    const dir = tempProject();
    delete process.env.BRAVE_API_KEY;
    const result = await runAi([
      'mcp',
      'setup',
      'brave-search',
      '--install',
      'none',
      '--yes',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('--secret BRAVE_API_KEY=<value>');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without a terminal and without --yes, fails on the first unanswered question (exit 2)', async () => {
    const dir = tempProject();
    const noServer = await runAi(['mcp', 'setup', '--config', config(dir)]);
    expect(noServer.exitCode).toBe(2);
    expect(noServer.stderr).toContain('the server argument');
    const noInstall = await runAi(['mcp', 'setup', 'everything', '--config', config(dir)]);
    expect(noInstall.exitCode).toBe(2);
    expect(noInstall.stderr).toContain('Missing --install');
    expect(noInstall.stderr).toContain('or --yes to take the default');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('suggests the closest catalog name for a typo (exit 2)', async () => {
    const result = await runAi(['mcp', 'setup', 'brave', '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Did you mean "brave-search"?');
  });

  it('--dry-run shows the plan, including the install command, and writes nothing', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'filesystem',
      '--set',
      'directories=./docs, ./data',
      '--dry-run',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    const plan = result.json() as { dryRun: boolean; install: string[]; target: string; config: string };
    expect(plan.dryRun).toBe(true);
    expect(plan.install).toEqual(['npm install -g @modelcontextprotocol/server-filesystem']);
    expect(plan.target).toBe('mcp-server-filesystem ./docs ./data');
    expect(JSON.parse(plan.config).mcpServers.filesystem.args).toEqual(['./docs', './data']);
    expect(result.stderr).toContain('install: $ npm install -g @modelcontextprotocol/server-filesystem');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('GitHub remote: an http entry whose token header references the .env variable', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'github',
      '--variant',
      'remote',
      '--secret',
      'GITHUB_PERSONAL_ACCESS_TOKEN=ghp_abcdefabcdef',
      '--skip-test',
      '--yes',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('ghp_abcdefabcdef');
    expect(JSON.parse(read(dir, '.mcp.json')).mcpServers.github).toEqual({
      type: 'http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${GITHUB_PERSONAL_ACCESS_TOKEN}' },
    });
  });

  it('GitHub legacy npm package: allowed, with the deprecation note on stderr', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'github',
      '--variant',
      'npm-legacy',
      '--install',
      'none',
      '--secret',
      'GITHUB_PERSONAL_ACCESS_TOKEN=x1234',
      '--dry-run',
      '--yes',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('archived and no longer maintained');
  });

  it('rejects a variant that does not exist (exit 2)', async () => {
    const result = await runAi(['mcp', 'setup', 'github', '--variant', 'brew', '--yes', '--dry-run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--variant must be one of binary, docker, remote, npm-legacy');
  });

  it('adds to a design-form file in its own form and keeps the other servers', async () => {
    const original =
      '{\n\t"servers": {\n\t\t"memory": {"type": "external", "enabled": true, "command": "mcp-server-memory", "config": {"a": 1}}\n\t},\n\t"global_config": {"timeout": 30}\n}\n';
    const dir = tempProject({ '.mcp.json': original });
    const result = await runAi([
      'mcp',
      'setup',
      'sequential-thinking',
      '--install',
      'global',
      '--skip-test',
      '--dry-run',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    const planned = (result.json() as { config: string }).config;
    expect(planned).toBe(
      '{\n\t"servers": {\n\t\t"memory": {"type": "external", "enabled": true, "command": "mcp-server-memory", "config": {"a": 1}},\n' +
        '\t\t"sequential-thinking": {\n\t\t\t"type": "external",\n\t\t\t"command": "mcp-server-sequential-thinking",\n' +
        '\t\t\t"args": [],\n\t\t\t"enabled": true\n\t\t}\n\t},\n\t"global_config": {"timeout": 30}\n}\n',
    );
  });

  it('asks before updating an existing server; --update updates only what setup owns', async () => {
    const original = JSON.stringify(
      {
        mcpServers: {
          everything: { command: 'old-command', timeout: 99, description: 'mine' },
          other: { command: 'x' },
        },
      },
      null,
      2,
    );
    const dir = tempProject({ '.mcp.json': original });
    const refused = await runAi(['mcp', 'setup', 'everything', '--install', 'none', '--config', config(dir)]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--update');
    const declined = await runAi([
      'mcp',
      'setup',
      'everything',
      '--no-update',
      '--install',
      'none',
      '--config',
      config(dir),
    ]);
    expect(declined.exitCode).toBe(0);
    expect(declined.stdout).toContain('Nothing changed');
    expect(read(dir, '.mcp.json')).toBe(original);

    const updated = await runAi([
      'mcp',
      'setup',
      'everything',
      '--update',
      '--install',
      'local',
      '--skip-test',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(updated.exitCode).toBe(0);
    expect(updated.json()).toMatchObject({ action: 'update' });
    expect(JSON.parse(read(dir, '.mcp.json')).mcpServers).toEqual({
      everything: {
        command: 'npx',
        timeout: 99,
        description: 'mine',
        type: 'stdio',
        args: ['--no-install', '@modelcontextprotocol/server-everything'],
      },
      other: { command: 'x' },
    });
  }, 60_000);

  it('reuses a key already in .env instead of asking again', async () => {
    const dir = tempProject({ '.env': 'BRAVE_API_KEY=from-dot-env\n' });
    const result = await runAi([
      'mcp',
      'setup',
      'brave-search',
      '--install',
      'none',
      '--skip-test',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Using BRAVE_API_KEY already set in the .env');
    expect(read(dir, '.env')).toBe('BRAVE_API_KEY=from-dot-env\n');
    expect(existsSync(path.join(dir, '.gitignore'))).toBe(false);
  });
});

describe('ai mcp setup: validate, test, write, discover against real servers', () => {
  it('custom command: tests it, writes it, and records its tools', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'ev',
      '--command',
      'mcp-server-everything',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    const doc = result.json() as {
      steps: { step: string }[];
      probe: { step: string; ok: boolean }[];
      tools: { name: string }[];
    };
    expect(doc.steps.map((s) => s.step)).toEqual(['validate', 'test', 'write', 'discover']);
    expect(doc.probe.map((s) => s.step)).toEqual(['start', 'initialize', 'listTools']);
    expect(doc.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    expect(JSON.parse(read(dir, '.mcp.tools.json')).servers.ev.tools.length).toBe(doc.tools.length);
    expect(result.stderr).toMatch(/✓ Test connectivity \(/);
  }, 60_000);

  it('passes a stored key to the server it tests (Brave lists its tools with it)', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'brave',
      '--command',
      'brave-search-mcp-server',
      '--secret',
      'BRAVE_API_KEY=dummy-key-for-listing',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect((result.json() as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain(
      'brave_web_search',
    );
    expect(JSON.parse(read(dir, '.mcp.json')).mcpServers.brave.env).toEqual({
      BRAVE_API_KEY: '${BRAVE_API_KEY}',
    });
  }, 60_000);

  it('a failed test leaves .mcp.json, .env and .gitignore as they were (exit 5, with the hint)', async () => {
    const before = '{\n  "mcpServers": {\n    "keep": { "command": "x" }\n  }\n}\n';
    const dir = tempProject({ '.mcp.json': before });
    const result = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'broken',
      '--command',
      'no-such-mcp-binary-xyz',
      '--secret',
      'SOME_TOKEN=abcd1234',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(5);
    const doc = result.json() as { ok: boolean; error: { message: string; details: { step: string } } };
    expect(doc.ok).toBe(false);
    expect(doc.error.message).toContain('failed at step "start"');
    expect(doc.error.message).toContain('Install it');
    expect(doc.error.message).toContain('Nothing was written');
    expect(read(dir, '.mcp.json')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['.mcp.json']);
  }, 60_000);

  it('never prints a key, even when the server echoes it back', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'leaky',
      '--command',
      `node -e 'console.error("key is "+process.env.MY_KEY);process.exit(1)'`,
      '--secret',
      'MY_KEY=supersecret-123',
      '--yes',
      '--json',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(5);
    expect(result.stdout).toContain('key is ***');
    expect(result.stdout + result.stderr).not.toContain('supersecret-123');
    expect(result.stderr).toContain('✗ Test connectivity');
  }, 60_000);

  it('a failed write of .env leaves .mcp.json as it was', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'brave-search',
      '--install',
      'none',
      '--secret',
      'BRAVE_API_KEY=k-12345',
      '--skip-test',
      '--yes',
      '--env-file',
      path.join(dir, 'missing-dir', '.env'),
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Cannot write');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('custom: rejects both --command and --url, and a bad URL (exit 2)', async () => {
    const both = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'c',
      '--command',
      'x',
      '--url',
      'http://h',
      '--yes',
      '--dry-run',
    ]);
    expect(both.exitCode).toBe(2);
    const bad = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'c',
      '--url',
      'not a url',
      '--yes',
      '--dry-run',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('not a valid URL');
    const name = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'bad name!',
      '--command',
      'x',
      '--yes',
      '--dry-run',
    ]);
    expect(name.exitCode).toBe(2);
    expect(name.stderr).toContain('Invalid server name');
  });

  it('custom URL with a header, as an sse server', async () => {
    const dir = tempProject();
    const result = await runAi([
      'mcp',
      'setup',
      'custom',
      '--name',
      'remote',
      '--url',
      'https://mcp.example.com/sse',
      '--transport',
      'sse',
      '--header',
      'X-Api-Key=${REMOTE_KEY}',
      '--skip-test',
      '--yes',
      '--config',
      config(dir),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('REMOTE_KEY is not set here');
    expect(JSON.parse(read(dir, '.mcp.json')).mcpServers.remote).toEqual({
      type: 'sse',
      url: 'https://mcp.example.com/sse',
      headers: { 'X-Api-Key': '${REMOTE_KEY}' },
    });
  });
});
