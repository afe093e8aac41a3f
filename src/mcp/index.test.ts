/**
 * The public surface other features code against (the CLI, the server, sendMessage). Renaming or
 * dropping any of these breaks them, so the contract is pinned here.
 */
import * as mcp from './index';
import * as config from './config';
import * as registry from './registry';
import * as discovery from './discovery';

it('exports the contract names', () => {
  const expected = {
    config: [
      'loadMcpConfig',
      'inspectMcpConfig',
      'unsetVariables',
      'buildMcpConfig',
      'loadExpansionEnv',
      'McpConfigError',
      'isMcpConfigError',
      'resolveTargets',
      'McpConfigStore',
      'splitCommand',
      'DEFAULT_GLOBAL_CONFIG',
    ],
    registry: ['McpRegistry', 'toolNameFor', 'restartDelayMs'],
    discovery: [
      'discoverTools',
      'defaultToolsPath',
      'isFresh',
      'McpToolCatalog',
      'getAvailableTools',
      'readToolsFile',
    ],
    mcp: [
      'runPreSteps',
      'fillTemplate',
      'testServer',
      'probePassed',
      'toMcpError',
      'isRetryable',
      'McpCallError',
      'serverFingerprint',
      'openSession',
    ],
  };
  const modules: Record<keyof typeof expected, Record<string, unknown>> = {
    config,
    registry,
    discovery,
    mcp,
  };
  for (const [name, exports] of Object.entries(expected) as [keyof typeof expected, string[]][]) {
    for (const key of exports) {
      expect([name, key, typeof modules[name][key]]).not.toEqual([name, key, 'undefined']);
      // Everything is also reachable from the top-level barrel.
      expect(mcp[key as keyof typeof mcp]).toBe(modules[name][key]);
    }
  }
});
