import { AppError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { createFakeServerFactory, until } from '../../../test/fixtures/mcp/in-memory-server';
import { buildMcpConfig } from '../config/load';
import type { McpConfig } from '../config/types';
import type { DiscoveredTool } from '../discovery/tools-file';
import { McpRegistry } from './registry';
import { restartDelayMs } from './backoff';
import type { McpServerStartRecord } from './types';

const logger = createLogger({ level: 'silent' });

function config(json: unknown): McpConfig {
  return buildMcpConfig(JSON.stringify(json), '/virtual/.mcp.json', {});
}

const two = config({
  servers: {
    a: { command: 'fake-a', max_concurrent: 2, retry_attempts: 1, idle_timeout: 0 },
    b: { command: 'fake-b', idle_timeout: 0 },
    off: { command: 'fake-off', enabled: false },
  },
  chains: { onlyEcho: { servers: ['a', 'b'], allowTools: ['echo', 'a__fail'] } },
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('McpRegistry', () => {
  let registry: McpRegistry;
  afterEach(async () => registry?.close());

  it('starts a server lazily, once, on first use and reports its health', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    await registry.config();
    expect(registry.status().map((s) => [s.name, s.state])).toEqual([
      ['a', 'stopped'],
      ['b', 'stopped'],
      ['off', 'stopped'],
    ]);
    expect(fake.state.connections).toBe(0);
    const results = await Promise.all(
      [1, 2, 3].map((i) => registry.callTool('a', 'echo', { text: `hi ${i}` })),
    );
    expect(results.map((r) => (r.content[0] as { text: string }).text)).toEqual([
      'a: hi 1',
      'a: hi 2',
      'a: hi 3',
    ]);
    expect(fake.state.connections).toBe(1);
    const a = registry.status().find((s) => s.name === 'a')!;
    expect(a).toMatchObject({
      state: 'ready',
      transport: 'custom',
      restarts: 0,
      serverInfo: { name: 'fake-a' },
    });
    expect(a.calls.total).toBe(3);
    expect(a.calls.p50Ms).toBeGreaterThanOrEqual(0);
  });

  it('returns tool failures as isError results and protocol errors as MCP_TOOL_ERROR', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const calls: unknown[] = [];
    registry.on('toolCalled', (call) => calls.push(call));
    const result = await registry.callTool('a', 'fail');
    expect(result.isError).toBe(true);
    await rejection(registry.callTool('a', 'hold', {}, { timeoutMs: 20 }));
    expect(calls).toEqual([
      expect.objectContaining({
        server: 'a',
        tool: 'fail',
        isError: true,
        argumentBytes: 2,
        errorCode: undefined,
      }),
      expect.objectContaining({ server: 'a', tool: 'hold', isError: true, errorCode: 'MCP_TIMEOUT' }),
    ]);
    fake.releaseAll();
    // The SDK server reports an unknown tool as an isError result too.
    expect((await registry.callTool('a', 'nope')).isError).toBe(true);
    expect(registry.status().find((s) => s.name === 'a')!.calls.errors).toBe(3);
  });

  it('rejects unknown, disabled and closed servers with stable codes', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    expect((await rejection(registry.callTool('zzz', 'echo'))).code).toBe('NOT_FOUND');
    expect((await rejection(registry.callTool('off', 'echo'))).code).toBe('MCP_SERVER_UNAVAILABLE');
    await registry.close();
    expect((await rejection(registry.callTool('a', 'echo'))).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('runs at most max_concurrent calls at once and queues the rest', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const calls = [1, 2, 3, 4, 5].map(() => registry.callTool('a', 'hold'));
    await until(() => fake.state.held.length === 2);
    const status = registry.status().find((s) => s.name === 'a')!;
    expect(status.active).toBe(2);
    expect(status.queued).toBe(3);
    while (fake.state.calls < 5 || fake.state.held.length > 0) {
      fake.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(calls);
    expect(fake.state.maxInFlight).toBe(2);
  });

  it('times out a slow call, and a call stuck in the queue, with MCP_TIMEOUT', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const error = await rejection(registry.callTool('a', 'hold', {}, { timeoutMs: 50 }));
    expect(error.code).toBe('MCP_TIMEOUT');
    expect(error.message).toContain('"timeout"');

    const blockers = [registry.callTool('a', 'hold'), registry.callTool('a', 'hold')];
    await until(() => fake.state.held.length >= 2);
    const queued = await rejection(registry.callTool('a', 'echo', { text: 'x' }, { timeoutMs: 30 }));
    expect(queued.code).toBe('MCP_TIMEOUT');
    expect(queued.message).toContain('max_concurrent');
    fake.releaseAll();
    await Promise.all(blockers);
  });

  it('cancels a call when the caller aborts, and maps an AbortSignal.timeout to MCP_TIMEOUT', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const controller = new AbortController();
    const pending = registry.callTool('a', 'hold', {}, { signal: controller.signal });
    await until(() => fake.state.held.length === 1);
    controller.abort();
    expect((await rejection(pending)).code).toBe('CANCELLED');
    const timedOut = await rejection(registry.callTool('a', 'hold', {}, { signal: AbortSignal.timeout(30) }));
    expect(timedOut.code).toBe('MCP_TIMEOUT');
    const already = new AbortController();
    already.abort();
    expect(
      (await rejection(registry.callTool('a', 'echo', { text: 'x' }, { signal: already.signal }))).code,
    ).toBe('CANCELLED');
    // A cancelled caller never breaks the server for others.
    expect((await registry.callTool('a', 'echo', { text: 'ok' })).isError).toBeFalsy();
  });

  it('reports a crash mid-call clearly and restarts on the next call', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const error = await rejection(registry.callTool('a', 'crash'));
    expect(error.code).toBe('MCP_SERVER_UNAVAILABLE');
    expect(error.message).toMatch(/exited during the call|stopped unexpectedly/);
    await until(() => registry.status().find((s) => s.name === 'a')!.state === 'failed');
    expect(registry.status().find((s) => s.name === 'a')!.lastError?.code).toBe('MCP_SERVER_UNAVAILABLE');
    const result = await registry.callTool('a', 'echo', { text: 'back' });
    expect((result.content[0] as { text: string }).text).toBe('a: back');
    expect(fake.state.connections).toBe(2);
    expect(registry.status().find((s) => s.name === 'a')).toMatchObject({ state: 'ready', restarts: 1 });
  });

  it('retries a retryable start failure but not a permanent one', async () => {
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const fake = createFakeServerFactory({ failFirst: { times: 1, error: refused } });
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const ok = await registry.callTool('a', 'echo', { text: 'after retry' });
    expect((ok.content[0] as { text: string }).text).toBe('a: after retry');

    const missing = () => Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT' });
    const broken = createFakeServerFactory({ failFirst: { times: 5, error: missing } });
    const other = new McpRegistry({ config: two, logger, transportFactory: broken.factory });
    try {
      const error = await rejection(other.callTool('a', 'echo', { text: 'x' }));
      expect(error.code).toBe('MCP_SERVER_UNAVAILABLE');
      expect(error.message).toContain('"fake-a" was not found on PATH');
      expect(other.status().find((s) => s.name === 'a')!.state).toBe('failed');
    } finally {
      await other.close();
    }
  });

  it('emits serverStarted for every start attempt: transport, duration, outcome and restarts', async () => {
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const fake = createFakeServerFactory({ failFirst: { times: 1, error: refused } });
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    const starts: McpServerStartRecord[] = [];
    registry.on('serverStarted', (start) => starts.push(start));
    await registry.callTool('a', 'echo', { text: 'x' }); // the first start fails, the retry succeeds
    await registry.callTool('a', 'echo', { text: 'y' }); // already running: no start
    await registry.stop('a');
    await registry.callTool('a', 'echo', { text: 'z' });
    expect(starts).toEqual([
      {
        server: 'a',
        transport: 'custom',
        durationMs: expect.any(Number),
        ok: false,
        errorCode: 'MCP_SERVER_UNAVAILABLE',
        restart: false,
      },
      { server: 'a', transport: 'custom', durationMs: expect.any(Number), ok: true, restart: false },
      { server: 'a', transport: 'custom', durationMs: expect.any(Number), ok: true, restart: true },
    ]);
    expect(starts.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('backs off between restarts of a crash-looping server', async () => {
    expect([1, 2, 3, 4, 20].map((n) => restartDelayMs(n))).toEqual([0, 250, 500, 1000, 30_000]);
    const missing = () => Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' });
    const broken = createFakeServerFactory({ failFirst: { times: 100, error: missing } });
    let tries = 0;
    const counting = async (c: Parameters<typeof broken.factory>[0]) => {
      tries += 1;
      return broken.factory(c);
    };
    const patient = config({ servers: { a: { command: 'x', startup_timeout: 10 } } });
    registry = new McpRegistry({ config: patient, logger, transportFactory: counting });
    await rejection(registry.callTool('a', 'echo')); // 1st failure: next restart immediate
    await rejection(registry.callTool('a', 'echo')); // 2nd failure: next restart after 250 ms
    const aborted = await rejection(registry.callTool('a', 'echo', {}, { signal: AbortSignal.timeout(20) }));
    expect(aborted.code).toBe('MCP_TIMEOUT');
    expect(tries).toBe(2);
    await rejection(registry.callTool('a', 'echo')); // waits out the backoff, then tries again
    expect(tries).toBe(3);

    const impatient = config({ servers: { a: { command: 'x', startup_timeout: 0.001 } } });
    const other = new McpRegistry({ config: impatient, logger, transportFactory: counting });
    try {
      await rejection(other.callTool('a', 'echo'));
      await rejection(other.callTool('a', 'echo'));
      const backingOff = await rejection(other.callTool('a', 'echo'));
      expect(backingOff.message).toContain('backing off after repeated failures');
      expect(tries).toBe(5);
    } finally {
      await other.close();
    }
  });

  it('shuts an idle server down and starts it again when needed', async () => {
    const fake = createFakeServerFactory();
    const idle = config({ servers: { a: { command: 'x', idle_timeout: 0.05 } } });
    registry = new McpRegistry({ config: idle, logger, transportFactory: fake.factory });
    await registry.callTool('a', 'echo', { text: '1' });
    await until(() => registry.status()[0]!.state === 'stopped');
    await registry.callTool('a', 'echo', { text: '2' });
    expect(fake.state.connections).toBe(2);
  });

  it('restarts a server whose launch settings changed in the file, and drops removed ones', async () => {
    const fake = createFakeServerFactory();
    let current = config({
      servers: { a: { command: 'v1', idle_timeout: 0 }, b: { command: 'b', idle_timeout: 0 } },
    });
    registry = new McpRegistry({ config: async () => current, logger, transportFactory: fake.factory });
    await registry.callTool('a', 'echo', { text: '1' });
    await registry.callTool('b', 'echo', { text: '1' });
    current = config({ servers: { a: { command: 'v1', idle_timeout: 0, timeout: 9 } } });
    await registry.callTool('a', 'echo', { text: '2' });
    expect(fake.state.connections).toBe(2);
    expect(registry.status().map((s) => s.name)).toEqual(['a']);
    // A call in flight on the old instance finishes there; new calls go to the new instance.
    const inFlight = registry.callTool('a', 'hold');
    await until(() => fake.state.held.length === 1);
    current = config({ servers: { a: { command: 'v2', idle_timeout: 0 } } });
    await registry.callTool('a', 'echo', { text: '3' });
    expect(fake.state.connections).toBe(3);
    fake.releaseAll();
    expect((await inFlight).isError).toBeFalsy();
  });

  it('emits toolsChanged when a server announces a new tool list', async () => {
    const fake = createFakeServerFactory();
    registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
    expect((await registry.listTools('a')).map((t) => t.name)).not.toContain('late');
    const changed = new Promise<string[]>((resolve) =>
      registry.on('toolsChanged', (server, tools) => server === 'a' && resolve(tools.map((t) => t.name))),
    );
    await registry.callTool('a', 'add-tool', { name: 'late' });
    expect(await changed).toContain('late');
    expect((await registry.listTools('a')).map((t) => t.name)).toContain('late');
  });

  describe('toolsFor', () => {
    it('namespaces colliding names, applies chain filters and routes calls', async () => {
      const fake = createFakeServerFactory({ extraTools: [] });
      registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
      const all = await registry.toolsFor(['a', 'b']);
      const names = all.tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['a__echo', 'b__echo', 'a__fail', 'b__fail']));
      const run = await all.execute('b__echo', { text: 'hi' });
      expect(run).toMatchObject({ server: 'b', tool: 'echo', isError: false });
      expect(run.argumentBytes).toBe(JSON.stringify({ text: 'hi' }).length);

      const catalog = {
        get: async (_server: string): Promise<DiscoveredTool[]> => [
          { name: 'cached', inputSchema: { type: 'object' } },
        ],
      };
      const fromCache = await registry.toolsFor(['b'], { listTools: (server) => catalog.get(server) });
      expect(fromCache.tools.map((t) => t.name)).toEqual(['cached']);

      const chain = await registry.toolsFor(['onlyEcho']);
      expect(chain.tools.map((t) => t.name).sort()).toEqual(['a__echo', 'b__echo', 'fail']);
      const failed = await chain.execute('fail', {});
      expect(failed).toMatchObject({ server: 'a', isError: true });
      expect(failed.errorCode).toBeUndefined();
      const unknown = await chain.execute('nope', {});
      expect(unknown).toMatchObject({ isError: true, errorCode: 'NOT_FOUND' });
    });

    it('leaves out a dead server unless tools are required', async () => {
      const missing = () => Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' });
      const broken = createFakeServerFactory({ failFirst: { times: 100, error: missing } });
      registry = new McpRegistry({ config: two, logger, transportFactory: broken.factory });
      const set = await registry.toolsFor(['b']);
      expect(set.tools).toEqual([]);
      expect(set.unavailable).toEqual([expect.objectContaining({ server: 'b' })]);
      await expect(registry.toolsFor(['b'], { requireTools: true })).rejects.toMatchObject({
        code: 'MCP_SERVER_UNAVAILABLE',
      });
    });

    it('turns a call that crashes the server into a tool error for the model', async () => {
      const fake = createFakeServerFactory();
      registry = new McpRegistry({ config: two, logger, transportFactory: fake.factory });
      const set = await registry.toolsFor(['a']);
      const crashed = await set.execute('crash', {});
      expect(crashed).toMatchObject({ isError: true, errorCode: 'MCP_SERVER_UNAVAILABLE' });
      expect((crashed.result.content[0] as { text: string }).text).toContain('MCP_SERVER_UNAVAILABLE');
      const strict = await registry.toolsFor(['a'], { requireTools: true });
      await expect(strict.execute('crash', {})).rejects.toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE' });
    });
  });
});
