import { buildMcpConfig } from './load';
import { configVisibleTo, serverVisibleTo } from './visibility';

const config = buildMcpConfig(
  JSON.stringify({
    servers: {
      open: { command: 'open-server' },
      mine: { command: 'mine-server', organizations: ['org-a'] },
      theirs: { command: 'theirs-server', organizations: ['org-b', 'org-c'] },
    },
    chains: {
      inner: { servers: ['mine'], preSteps: [{ server: 'mine', tool: 'think' }] },
      outer: { servers: ['inner', 'open'], preSteps: [{ server: 'open', tool: 'look' }] },
      deep: { servers: ['inner'] },
    },
  }),
  '/srv/.mcp.json',
  {},
);

describe('configVisibleTo', () => {
  it('returns the configuration itself when no server is reserved', () => {
    const open = buildMcpConfig(JSON.stringify({ servers: { s: { command: 'x' } } }), '/srv/.mcp.json', {});
    expect(configVisibleTo(open, 'anyone')).toBe(open);
    expect(serverVisibleTo(open.servers.s!, 'anyone')).toBe(true);
  });

  it('drops reserved servers, prunes nested chains and their pre-steps, and removes emptied chains', () => {
    const forB = configVisibleTo(config, 'org-b');
    expect(Object.keys(forB.servers)).toEqual(['open', 'theirs']);
    expect(Object.keys(forB.chains)).toEqual(['outer']);
    expect(forB.chains.outer).toMatchObject({ servers: ['open'], preSteps: [{ tool: 'look' }] });

    const forA = configVisibleTo(config, 'org-a');
    expect(Object.keys(forA.servers)).toEqual(['open', 'mine']);
    expect(Object.keys(forA.chains)).toEqual(['inner', 'outer', 'deep']);
    expect(forA.chains.outer!.servers).toEqual(['inner', 'open']);
    // The original is untouched.
    expect(Object.keys(config.servers)).toHaveLength(3);
  });
});
