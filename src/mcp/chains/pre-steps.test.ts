import { createLogger } from '../../shared/logger';
import { createFakeServerFactory } from '../../../test/fixtures/mcp/in-memory-server';
import { buildMcpConfig } from '../config/load';
import { McpRegistry } from '../registry/registry';
import { fillTemplate, runPreSteps } from './pre-steps';

const logger = createLogger({ level: 'silent' });
const config = buildMcpConfig(
  JSON.stringify({
    servers: { thinker: { command: 'x', idle_timeout: 0 }, other: { command: 'y', idle_timeout: 0 } },
    chains: {
      research: {
        servers: ['thinker'],
        preSteps: [
          {
            server: 'thinker',
            tool: 'echo',
            arguments: { text: 'Think about: {{message}}' },
            label: 'Thinking',
          },
          { server: 'thinker', tool: 'fail' },
        ],
      },
      outer: {
        servers: ['research', 'other'],
        preSteps: [{ server: 'other', tool: 'echo', arguments: { text: '{{message}}!' } }],
      },
    },
  }),
  '/virtual/.mcp.json',
  {},
);

describe('runPreSteps', () => {
  it('runs the chain pre-steps in order and hands their text to the model as context', async () => {
    const fake = createFakeServerFactory();
    const registry = new McpRegistry({ config, logger, transportFactory: fake.factory });
    try {
      const toolset = await registry.toolsFor(['outer']);
      expect(toolset.preSteps.map((s) => `${s.server}/${s.tool}`)).toEqual([
        'other/echo',
        'thinker/echo',
        'thinker/fail',
      ]);
      const outcome = await runPreSteps(registry, toolset.preSteps, { message: 'why is the sky blue?' });
      expect(outcome.results.map((r) => [r.label, r.ok])).toEqual([
        ['other/echo', true],
        ['Thinking', true],
        ['thinker/fail', false],
      ]);
      expect(outcome.results[2]!.errorCode).toBe('MCP_TOOL_ERROR');
      expect(outcome.context).toContain('### Thinking\nthinker: Think about: why is the sky blue?');
      expect(outcome.context).toContain('other: why is the sky blue?!');
      expect(outcome.context).not.toContain('it broke');
    } finally {
      await registry.close();
    }
  });

  it('reports an unreachable pre-step server without failing, but honours an abort', async () => {
    const registry = new McpRegistry({ config, logger, transportFactory: createFakeServerFactory().factory });
    try {
      const outcome = await runPreSteps(registry, [{ server: 'missing', tool: 't', arguments: {} }], {
        message: 'm',
      });
      expect(outcome.results[0]).toMatchObject({ ok: false, errorCode: 'NOT_FOUND' });
      expect(outcome.context).toBe('');
      const aborted = new AbortController();
      aborted.abort();
      await expect(
        runPreSteps(
          registry,
          [{ server: 'thinker', tool: 'echo', arguments: { text: 'x' } }],
          { message: 'm' },
          { signal: aborted.signal },
        ),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      await registry.close();
    }
  });

  it('fills {{message}} in nested arguments as plain text', () => {
    expect(
      fillTemplate({ a: ['{{message}}', 1, { b: 'x {{message}} {{message}}' }], n: null }, '"q"'),
    ).toEqual({
      a: ['"q"', 1, { b: 'x "q" "q"' }],
      n: null,
    });
  });
});
