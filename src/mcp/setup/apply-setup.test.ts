import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applySetup, SetupStepError } from './apply-setup';
import { findCatalogEntry, defaultVariant } from './catalog';
import { planSetup } from './setup-plan';

const brave = findCatalogEntry('brave-search')!;

async function plan(files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'apply-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const p = await planSetup({
    configPath: path.join(dir, '.mcp.json'),
    envFile: path.join(dir, '.env'),
    name: 'brave-search',
    entry: brave,
    variant: defaultVariant(brave),
    install: 'none',
    secrets: { BRAVE_API_KEY: 'k-123456' },
    reusedSecrets: [],
    settings: {},
  });
  return { dir, p };
}

const ok = [{ step: 'start' as const, ok: true, durationMs: 1 }];

describe('applySetup', () => {
  it('hands the server, expanded with the new key, to the test, then writes and discovers', async () => {
    const { dir, p } = await plan();
    const steps: string[] = [];
    const result = await applySetup(p, {
      testServer: async (server) => {
        expect(server.env.BRAVE_API_KEY).toBe('k-123456');
        expect(existsSync(path.join(dir, '.mcp.json'))).toBe(false);
        return ok;
      },
      discover: async () => ({ ok: true, tools: [{ name: 't' }], durationMs: 3 }),
      onStep: (step, state) => steps.push(`${step}:${state}`),
    });
    expect(result.tools).toEqual([{ name: 't' }]);
    expect(steps).toEqual([
      'install:skip',
      'validate:start',
      'validate:done',
      'test:start',
      'test:done',
      'write:start',
      'write:done',
      'discover:start',
      'discover:done',
    ]);
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe('BRAVE_API_KEY=k-123456\n');
  });

  it('a failed discovery puts .mcp.json, .env and .gitignore back as they were', async () => {
    const before = {
      '.mcp.json': '{ "mcpServers": {} }\n',
      '.env': 'OTHER=1\n',
      '.gitignore': 'node_modules\n',
    };
    const { dir, p } = await plan(before);
    await expect(
      applySetup(p, {
        testServer: async () => ok,
        discover: async () => ({ ok: false, tools: [], durationMs: 1, error: 'gone' }),
      }),
    ).rejects.toThrow('Tool discovery for "brave-search" failed: gone.');
    for (const [name, text] of Object.entries(before))
      expect(readFileSync(path.join(dir, name), 'utf8')).toBe(text);
  });

  it('classifies a failed test step and writes nothing', async () => {
    const { dir, p } = await plan();
    const failure = await applySetup(p, {
      testServer: async () => [
        { step: 'start', ok: true, durationMs: 1 },
        {
          step: 'initialize',
          ok: false,
          durationMs: 2,
          code: 'MCP_TIMEOUT',
          error: 'timed out',
          hint: 'Raise startup_timeout',
        },
      ],
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SetupStepError);
    expect(failure).toMatchObject({ code: 'MCP_TIMEOUT', step: 'test' });
    expect((failure as Error).message).toContain('Raise startup_timeout.');
    expect(existsSync(path.join(dir, '.mcp.json'))).toBe(false);
    expect(existsSync(path.join(dir, '.env'))).toBe(false);
  });
});
