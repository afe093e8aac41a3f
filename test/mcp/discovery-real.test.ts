/**
 * Discovery and the probe against the servers the design names: Sequential Thinking (discover and
 * call `sequentialthinking`, also as a chain pre-step) and Brave Search (lists its tools offline
 * with a dummy key). A fresh cache is served without starting any server.
 */
import childProcess from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { loadMcpConfig, McpConfigStore } from '../../src/mcp/config';
import { runPreSteps } from '../../src/mcp/chains/pre-steps';
import { discoverTools, getAvailableTools } from '../../src/mcp/discovery';
import { testServer } from '../../src/mcp/probe';
import { McpRegistry } from '../../src/mcp/registry';
import { createLogger } from '../../src/shared/logger';
import { bin, projectWith } from '../fixtures/mcp/real-servers';

const logger = createLogger({ level: 'silent' });
let dir: string;
let configPath: string;
const env = { ...process.env, BRAVE_API_KEY: 'dummy-offline-key' };

beforeAll(async () => {
  ({ dir, configPath } = await projectWith(`{
    // The design's form, with a whole command string
    "servers": {
      "sequential-thinking": {
        "type": "external",
        "enabled": true,
        "command": "${bin('mcp-server-sequential-thinking')}",
        "config": { "max_thoughts": 10 }
      },
      "brave-search": {
        "type": "external",
        "command": "${bin('brave-search-mcp-server')} --transport stdio",
        "env": { "BRAVE_API_KEY": "\${BRAVE_API_KEY}" }
      }
    },
    "chains": {
      "research": {
        "servers": ["brave-search", "sequential-thinking"],
        "denyTools": ["brave_image_*"],
        "preSteps": [{
          "server": "sequential-thinking",
          "tool": "sequentialthinking",
          "label": "First thought",
          "arguments": { "thought": "The user asks: {{message}}", "thoughtNumber": 1, "totalThoughts": 1, "nextThoughtNeeded": false }
        }]
      }
    }
  }`));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('discovers both servers, writes .mcp.tools.json, then serves it from cache without spawning', async () => {
  const results = await discoverTools({ configPath, env, logger });
  const byName = Object.fromEntries(results.map((r) => [r.server, r]));
  expect(byName['sequential-thinking']).toMatchObject({ ok: true, fromCache: false });
  expect(byName['sequential-thinking']!.tools.map((t) => t.name)).toEqual(['sequentialthinking']);
  expect(byName['brave-search']).toMatchObject({ ok: true, fromCache: false });
  expect(byName['brave-search']!.tools.map((t) => t.name)).toContain('brave_web_search');
  for (const r of results) expect(r.durationMs).toBeGreaterThan(0);

  const file = JSON.parse(await readFile(`${dir}/.mcp.tools.json`, 'utf8'));
  expect(file.servers['sequential-thinking'].tools[0].inputSchema.properties.thought).toBeDefined();
  expect(file.servers['brave-search'].serverInfo.name).toBeTruthy();
  expect(JSON.stringify(file)).not.toContain('dummy-offline-key');

  // A fresh cache answers without starting any process.
  const spawnSpy = jest.spyOn(childProcess, 'spawn');
  try {
    const cached = await getAvailableTools({ configPath, env, logger });
    expect(Object.keys(cached)).toEqual(['sequential-thinking', 'brave-search']);
    const again = await discoverTools({ configPath, env, logger });
    expect(again.every((r) => r.fromCache)).toBe(true);
    expect(spawnSpy).not.toHaveBeenCalled();
  } finally {
    spawnSpy.mockRestore();
  }
});

it('calls sequentialthinking and runs it as a chain pre-step before the model', async () => {
  const registry = new McpRegistry({ config: new McpConfigStore(configPath, { env }), logger });
  try {
    const result = await registry.callTool('sequential-thinking', 'sequentialthinking', {
      thought: 'Break the problem down',
      thoughtNumber: 1,
      totalThoughts: 2,
      nextThoughtNeeded: true,
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse((result.content[0] as { text: string }).text)).toMatchObject({
      thoughtNumber: 1,
      totalThoughts: 2,
    });

    const toolset = await registry.toolsFor(['research']);
    const names = toolset.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['sequentialthinking', 'brave_web_search']));
    expect(names.some((n) => n.startsWith('brave_image'))).toBe(false);
    const outcome = await runPreSteps(registry, toolset.preSteps, { message: 'what is MCP?' });
    expect(outcome.results).toEqual([expect.objectContaining({ label: 'First thought', ok: true })]);
    expect(outcome.context).toContain('### First thought');
  } finally {
    await registry.close();
  }
});

it('probes real servers step by step and explains a missing command', async () => {
  const config = await loadMcpConfig(configPath, { env });
  const steps = await testServer(config.servers['sequential-thinking']!, {
    logger,
    call: {
      tool: 'sequentialthinking',
      args: { thought: 't', thoughtNumber: 1, totalThoughts: 1, nextThoughtNeeded: false },
    },
  });
  expect(steps.map((s) => `${s.step}:${s.ok}`)).toEqual([
    'start:true',
    'initialize:true',
    'listTools:true',
    'call:true',
  ]);
  expect(steps.find((s) => s.step === 'listTools')!.detail).toBe('1 tools');

  const missing = { ...config.servers['sequential-thinking']!, command: 'mcp-server-that-is-not-installed' };
  const failed = await testServer(missing, { logger });
  expect(failed).toEqual([
    expect.objectContaining({ step: 'start', ok: false, code: 'MCP_SERVER_UNAVAILABLE' }),
  ]);
  expect(failed[0]!.hint).toContain('npm install -g');

  const dies = {
    ...config.servers['sequential-thinking']!,
    command: 'node',
    args: ['-e', 'console.error("no key configured"); process.exit(3)'],
  };
  const died = await testServer(dies, { logger });
  expect(died.at(-1)).toMatchObject({ step: 'initialize', ok: false, code: 'MCP_SERVER_UNAVAILABLE' });
  expect(died.at(-1)!.error).toContain('exit code 3');
  expect(died.at(-1)!.error).toContain('no key configured');
});
