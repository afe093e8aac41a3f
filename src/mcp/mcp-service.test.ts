import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateText, stepCountIs } from 'ai';

import { createFakeServerFactory } from '../../test/fixtures/mcp/in-memory-server';
import { fakeEvents, type FakeEventBus } from '../../test/helpers/events';
import type { Caller } from '../auth/roles';
import { MockLanguageModel } from '../providers/mock/mock-language-model';
import { MockScriptBook } from '../providers/mock/mock-script';
import { AppError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { resultText } from './ai-tools';
import { McpService } from './mcp-service';

const logger = createLogger({ level: 'silent' });
const caller: Caller = {
  userId: 'u1',
  organizationId: 'org1',
  apiKeyId: 'k1',
  role: 'owner',
  projectRoles: {},
};

const CONFIG = {
  servers: {
    a: { command: 'fake-a', idle_timeout: 0, retry_attempts: 0 },
    b: { command: 'fake-b', idle_timeout: 0, retry_attempts: 0 },
    off: { command: 'fake-off', enabled: false },
  },
  chains: {
    both: { servers: ['a', 'b'], allowTools: ['echo', 'fail'] },
    primed: {
      servers: ['a'],
      allowTools: ['echo'],
      preSteps: [{ server: 'a', tool: 'echo', arguments: { text: 'about {{message}}' }, label: 'notes' }],
    },
  },
};

let dir: string;
let configPath: string;
let service: McpService;
let events: FakeEventBus;

async function start(
  options: { config?: unknown; factory?: ReturnType<typeof createFakeServerFactory> } = {},
) {
  configPath = path.join(dir, '.mcp.json');
  if (options.config !== null) await writeFile(configPath, JSON.stringify(options.config ?? CONFIG));
  events = fakeEvents();
  const fake = options.factory ?? createFakeServerFactory();
  service = new McpService({ configPath, events, logger, transportFactory: fake.factory });
  return fake;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mcp-service-'));
});

afterEach(async () => {
  await service?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('McpService', () => {
  it('has no servers while .mcp.json is missing and picks the file up when it appears', async () => {
    await start({ config: null });
    expect(await service.servers(caller)).toEqual([]);
    await expect(service.prepareTools(['a'], caller)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fields: [{ field: 'mcpServers', message: 'no MCP server or chain named "a"' }] },
    });
    await writeFile(configPath, JSON.stringify(CONFIG));
    expect((await service.servers(caller)).map((s) => [s.name, s.status, s.toolCount])).toEqual([
      ['a', 'stopped', null],
      ['b', 'stopped', null],
      ['off', 'stopped', null],
    ]);
  });

  it('namespaces colliding tools and runs the AI SDK tool loop, tool errors going back to the model', async () => {
    await start();
    const prepared = await service.prepareTools(['both'], caller, { requestId: 'r1', maxSteps: 3 });
    expect(Object.keys(prepared.tools).sort()).toEqual(['a__echo', 'a__fail', 'b__echo', 'b__fail']);
    expect(prepared.maxSteps).toBe(3);
    const scripts = new MockScriptBook();
    scripts.enqueue([
      {
        toolCalls: [
          { toolName: 'b__echo', input: { text: 'hi' }, toolCallId: 't1' },
          { toolName: 'a__fail', input: {}, toolCallId: 't2' },
        ],
      },
      { text: 'done' },
    ]);
    const result = await generateText({
      model: new MockLanguageModel('m', scripts),
      prompt: 'go',
      tools: prepared.tools,
      stopWhen: stepCountIs(prepared.maxSteps),
    });
    expect(result.text).toBe('done');
    const toolMessage = result.response.messages.find((m) => m.role === 'tool');
    const outputs = (toolMessage?.content as { toolCallId: string; output: unknown }[]).map((p) => [
      p.toolCallId,
      p.output,
    ]);
    expect(outputs).toEqual([
      ['t1', { type: 'text', value: 'b: hi' }],
      ['t2', { type: 'error-text', value: 'it broke' }],
    ]);
    // The two calls run in parallel: compare them in call-id order.
    const calls = [...prepared.calls].sort((x, y) => x.toolCallId.localeCompare(y.toolCallId));
    expect(calls.map((c) => [c.toolCallId, c.server, c.tool, c.isError, c.resultText])).toEqual([
      ['t1', 'b', 'echo', false, 'b: hi'],
      ['t2', 'a', 'fail', true, 'it broke'],
    ]);
    const executed = events.dispatched('MCPToolExecuted').map((e) => e.payload);
    executed.sort((x, y) => x.server.localeCompare(y.server));
    expect(executed).toEqual([
      expect.objectContaining({
        requestId: 'r1',
        server: 'a',
        tool: 'fail',
        isError: true,
        argumentBytes: 2,
      }),
      expect.objectContaining({
        requestId: 'r1',
        organizationId: 'org1',
        server: 'b',
        tool: 'echo',
        isError: false,
      }),
    ]);
    const a = (await service.servers(caller)).find((s) => s.name === 'a')!;
    expect(a).toMatchObject({ status: 'ready', calls: 1, toolCount: expect.any(Number) });
    expect(a.p50LatencyMs).toEqual(expect.any(Number));
  });

  it('runs chain pre-steps over the message and returns their results as context', async () => {
    await start();
    const prepared = await service.prepareTools(['primed'], caller, { message: 'tides' });
    expect(prepared.preSteps).toEqual([
      expect.objectContaining({ label: 'notes', ok: true, text: 'a: about tides' }),
    ]);
    expect(prepared.context).toContain('a: about tides');
    expect(Object.keys(prepared.tools)).toEqual(['echo']);
    expect(events.dispatched('MCPToolExecuted').map((e) => e.payload.argumentBytes)).toEqual([
      Buffer.byteLength(JSON.stringify({ text: 'about tides' })),
    ]);
    // Without a message there is nothing to run the pre-steps over.
    const again = await service.prepareTools(['primed'], caller);
    expect(again.preSteps).toEqual([]);
    expect(again.context).toBe('');
  });

  it('leaves a dead server out, or fails with requireTools', async () => {
    const fake = createFakeServerFactory({
      failFirst: { times: 100, error: () => new Error('spawn fake-a ENOENT') },
    });
    await start({ factory: fake });
    const prepared = await service.prepareTools(['a'], caller);
    expect(prepared.tools).toEqual({});
    expect(prepared.unavailable).toEqual([
      expect.objectContaining({ server: 'a', code: 'MCP_SERVER_UNAVAILABLE' }),
    ]);
    await expect(service.prepareTools(['a'], caller, { requireTools: true })).rejects.toMatchObject({
      code: 'MCP_SERVER_UNAVAILABLE',
    });
    await expect(service.refreshTools(caller, 'a')).rejects.toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE' });
    const [status] = await service.servers(caller);
    expect(status).toMatchObject({
      name: 'a',
      status: 'failed',
      lastError: { code: 'MCP_SERVER_UNAVAILABLE' },
    });
  });

  it('with requireTools, a server lost mid-request fails the tool call and the call is still recorded', async () => {
    await start();
    const prepared = await service.prepareTools(['a'], caller, { requireTools: true, requestId: 'r2' });
    const ctx = { toolCallId: 'c9', messages: [] };
    await expect(prepared.tools.crash!.execute!({}, ctx)).rejects.toMatchObject({
      code: 'MCP_SERVER_UNAVAILABLE',
    });
    expect(prepared.calls).toEqual([
      expect.objectContaining({
        toolCallId: 'c9',
        server: 'a',
        tool: 'crash',
        isError: true,
        errorCode: 'MCP_SERVER_UNAVAILABLE',
      }),
    ]);
    expect(events.dispatched('MCPToolExecuted').map((e) => [e.payload.requestId, e.payload.isError])).toEqual(
      [['r2', true]],
    );
  });

  it('validates input at the boundary', async () => {
    await start();
    await expect(service.prepareTools([], caller)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(service.prepareTools(['a'], caller, { maxSteps: 0 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(service.callTool(caller, { server: '', tool: 'echo' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(
      service.callTool(caller, { server: 'a', tool: 'echo', arguments: ['x'] }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(service.tools(caller, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A diagnostic call goes to one server: a chain name is not one.
    await expect(service.callTool(caller, { server: 'both', tool: 'echo' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(events.events).toEqual([]);
  });

  it('makes diagnostic calls, records failed ones and alerts on slow ones', async () => {
    await start();
    service = new McpService({
      configPath,
      events,
      logger,
      transportFactory: createFakeServerFactory().factory,
      slowCallMs: -1,
    });
    const ok = await service.callTool(caller, { server: 'a', tool: 'echo', arguments: { text: 'x' } });
    expect(ok).toMatchObject({ isError: false, text: 'a: x', structuredContent: null });
    const reported = await service.callTool(caller, { server: 'a', tool: 'fail' });
    expect(reported).toMatchObject({ isError: true, text: 'it broke' });
    await expect(service.callTool(caller, { server: 'off', tool: 'echo' })).rejects.toMatchObject({
      code: 'MCP_SERVER_UNAVAILABLE',
    });
    expect(events.dispatched('MCPToolExecuted').map((e) => [e.payload.tool, e.payload.isError])).toEqual([
      ['echo', false],
      ['fail', true],
      ['echo', true],
    ]);
    expect(events.dispatched('PerformanceThresholdExceeded').map((e) => e.payload.subject)).toEqual([
      'a/echo',
      'a/fail',
      'off/echo',
    ]);
    expect((await service.refreshTools(caller, 'a')).map((t) => t.name)).toContain('echo');
    expect((await service.tools(caller, 'a')).map((t) => t.name)).toContain('hold');
  });

  it('still returns the tool result when the events cannot be dispatched', async () => {
    await start();
    const failing = {
      ...events,
      dispatch: () => Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'db down')),
    };
    const errors: unknown[] = [];
    const spyLogger = Object.assign(Object.create(logger) as typeof logger, {
      error: (...args: unknown[]) => void errors.push(args),
    });
    service = new McpService({
      configPath,
      events: failing,
      logger: spyLogger,
      transportFactory: createFakeServerFactory().factory,
    });
    const ok = await service.callTool(caller, { server: 'a', tool: 'echo', arguments: { text: 'y' } });
    expect(ok.text).toBe('a: y');
    expect(errors).toHaveLength(1);
  });

  it("lists and refreshes the tools of a chain after its allow list, naming each tool's server", async () => {
    await start();
    const pairs = (tools: { server: string; name: string }[]) =>
      tools.map((t) => `${t.server}/${t.name}`).sort();
    expect(pairs(await service.tools(caller, 'both'))).toEqual(['a/echo', 'a/fail', 'b/echo', 'b/fail']);
    expect(pairs(await service.refreshTools(caller, 'both'))).toEqual([
      'a/echo',
      'a/fail',
      'b/echo',
      'b/fail',
    ]);
    expect(pairs(await service.refreshTools(caller, 'b'))).toEqual(
      expect.arrayContaining(['b/echo', 'b/hold', 'b/crash']),
    );
  });
});

describe('servers reserved to organisations', () => {
  const other: Caller = { ...caller, organizationId: 'org2' };
  const RESERVED = {
    servers: {
      shared: { command: 'fake-shared', idle_timeout: 0, retry_attempts: 0 },
      private: { command: 'fake-private', idle_timeout: 0, retry_attempts: 0, organizations: ['org1'] },
    },
    chains: {
      mixed: {
        servers: ['shared', 'private'],
        preSteps: [{ server: 'private', tool: 'echo', arguments: { text: '{{message}}' } }],
      },
      secret: { servers: ['private'] },
    },
  };

  it('hides a reserved server from other organisations everywhere, and chains go without it', async () => {
    const fake = createFakeServerFactory();
    const launched: string[] = [];
    await start({
      config: RESERVED,
      factory: { ...fake, factory: (config) => (launched.push(config.name), fake.factory(config)) },
    });
    expect((await service.servers(caller)).map((s) => s.name)).toEqual(['shared', 'private']);
    expect((await service.servers(other)).map((s) => s.name)).toEqual(['shared']);

    const unknown = { code: 'NOT_FOUND' };
    await expect(service.tools(other, 'private')).rejects.toMatchObject(unknown);
    await expect(service.tools(other, 'secret')).rejects.toMatchObject(unknown);
    await expect(service.refreshTools(other, 'private')).rejects.toMatchObject(unknown);
    await expect(service.callTool(other, { server: 'private', tool: 'echo' })).rejects.toMatchObject(unknown);
    await expect(service.prepareTools(['private'], other)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    // Through the mixed chain the other organisation gets the shared server's tools only, and the
    // pre-step on the reserved server does not run for it.
    const theirs = await service.prepareTools(['mixed'], other, { message: 'hi' });
    expect(Object.keys(theirs.tools).sort()).toEqual(
      (await service.tools(other, 'shared')).map((t) => t.name).sort(),
    );
    expect(theirs.preSteps).toEqual([]);
    expect((await service.refreshTools(other, 'mixed')).every((t) => t.server === 'shared')).toBe(true);
    expect(launched).not.toContain('private');

    // The owning organisation sees both servers (tool names namespaced, as both offer echo).
    const ours = await service.prepareTools(['mixed'], caller, { message: 'hi' });
    expect(Object.keys(ours.tools)).toEqual(expect.arrayContaining(['shared__echo', 'private__echo']));
    expect(ours.preSteps).toHaveLength(1);
  });

  it('rejects an empty organisations list naming the server and field', async () => {
    await start({ config: { servers: { x: { command: 'fake-x', organizations: [] } } } });
    await expect(service.servers(caller)).rejects.toMatchObject({
      details: expect.objectContaining({ server: 'x', field: 'organizations' }),
    });
  });
});

describe('resultText', () => {
  it('joins text parts, names other parts and falls back to structured content', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'one' },
          { type: 'image', data: 'AA==', mimeType: 'image/png' },
          { type: 'audio', data: 'AA==', mimeType: '' },
        ],
      }),
    ).toBe('one\n[image image/png]\n[audio]');
    expect(resultText({ content: [], structuredContent: { sum: 3 } })).toBe('{"sum":3}');
    expect(resultText({ content: [] })).toBe('');
  });
});
