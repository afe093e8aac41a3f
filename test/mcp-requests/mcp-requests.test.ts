/**
 * MCP tools in AI requests and over GraphQL, through the real app: the mock model calls the real
 * `mcp-server-everything` over stdio through sendMessage, every call is dispatched as
 * MCPToolExecuted, every model step is priced; a dead server is left out (or fails the request
 * with requireTools); mcpServers/mcpTools for any member, refreshMcpTools/callMcpTool for admins.
 */
import { rm } from 'node:fs/promises';

import type { DomainEvent } from '../../src/events/event';
import type { Caller } from '../../src/auth/roles';
import { alive, bin, processTree, projectWith } from '../fixtures/mcp/real-servers';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';

let dir: string;
let app: TestApp;
let owner: SeededActor;
let projectId: string;
const executed: DomainEvent<'MCPToolExecuted'>[] = [];
const slow: DomainEvent<'PerformanceThresholdExceeded'>[] = [];
const previousConfigPath = process.env.AI_MCP_CONFIG;

beforeAll(async () => {
  ({ dir } = await projectWith({
    mcpServers: {
      everything: {
        type: 'stdio',
        command: bin('mcp-server-everything'),
        args: ['stdio'],
        timeout: 20,
        idle_timeout: 0,
        retry_attempts: 0,
      },
      dead: { type: 'stdio', command: '/nonexistent/mcp-dead-server', timeout: 5, retry_attempts: 0 },
    },
    chains: {
      tools: { servers: ['everything', 'dead'], allowTools: ['echo', 'get-sum'] },
      primed: {
        servers: ['everything'],
        allowTools: ['echo'],
        preSteps: [{ server: 'everything', tool: 'echo', arguments: { message: 'context for {{message}}' } }],
      },
    },
  }));
  Object.assign(process.env, {
    AI_MCP_CONFIG: `${dir}/.mcp.json`,
    MOCK_PROVIDER: 'on',
    PROVIDER_MAX_RETRIES: '0',
  });
  app = await startTestApp();
  app.runtime.events.listen({
    event: 'MCPToolExecuted',
    name: 'test-recorder',
    mode: 'inline',
    handle: (event) => void executed.push(event),
  });
  app.runtime.events.listen({
    event: 'PerformanceThresholdExceeded',
    name: 'test-recorder',
    mode: 'inline',
    handle: (event) => void slow.push(event),
  });
  owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "mcp" }) { id } }',
  );
  projectId = created.data!.createProject.id;
}, 60_000);

afterAll(async () => {
  await app?.stop();
  if (previousConfigPath === undefined) delete process.env.AI_MCP_CONFIG;
  else process.env.AI_MCP_CONFIG = previousConfigPath;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) {
    requestId
    conversation { id }
    message { content toolCalls { toolCallId name server tool arguments isError errorCode resultText durationMs argumentBytes } }
    usage { inputUncached output }
    cost { status amount }
  }
}`;

function callerOf(actor: SeededActor): Caller {
  return {
    userId: actor.userId,
    organizationId: actor.organizationId,
    apiKeyId: actor.apiKeyId,
    role: 'owner',
    projectRoles: {},
  };
}

const script = (turns: unknown[], model: string) =>
  app.runtime.services.providers.mockScripts.enqueue(turns as never, model);

it('lets the mock model call a real MCP tool through sendMessage, prices every step and dispatches MCPToolExecuted', async () => {
  const model = 'mcp-e2e-1';
  script(
    [
      {
        toolCalls: [{ toolName: 'get-sum', input: { a: 2, b: 40 } }],
        usage: { inputUncached: 100, output: 10 },
      },
      { text: 'The sum is 42.', usage: { inputUncached: 200, output: 20 } },
    ],
    model,
  );
  const before = executed.length;
  const res = await owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model, content: 'add 2 and 40', mcpServers: ['everything'] },
  });
  expect(res.errors).toBeUndefined();
  const payload = res.data.sendMessage;
  expect(payload.message.content).toBe('The sum is 42.');
  // Both model calls of the tool loop are counted and priced.
  expect(payload.usage).toEqual({ inputUncached: 300, output: 30 });
  expect(payload.cost.status).toBeDefined();
  const calls = executed.slice(before);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.payload).toMatchObject({
    organizationId: owner.organizationId,
    server: 'everything',
    tool: 'get-sum',
    isError: false,
    argumentBytes: Buffer.byteLength(JSON.stringify({ a: 2, b: 40 })),
  });
  expect(calls[0]!.payload.durationMs).toBeGreaterThanOrEqual(0);
  // The call is recorded on the assistant message, and stays there.
  const recorded = {
    name: 'get-sum',
    server: 'everything',
    tool: 'get-sum',
    arguments: { a: 2, b: 40 },
    isError: false,
    errorCode: null,
    argumentBytes: Buffer.byteLength(JSON.stringify({ a: 2, b: 40 })),
  };
  expect(payload.message.toolCalls).toEqual([
    expect.objectContaining({ ...recorded, resultText: expect.stringContaining('42') }),
  ]);
  const read = await owner.graphql(
    'query($id: ID!) { conversation(id: $id) { messages { role toolCalls { name arguments isError resultText } } } }',
    { id: payload.conversation.id },
  );
  expect(read.data.conversation.messages).toEqual([
    { role: 'USER', toolCalls: [] },
    {
      role: 'ASSISTANT',
      toolCalls: [
        {
          name: 'get-sum',
          arguments: { a: 2, b: 40 },
          isError: false,
          resultText: expect.stringContaining('42'),
        },
      ],
    },
  ]);
}, 60_000);

it('stops the tool loop at maxToolSteps, pricing only the calls made', async () => {
  const model = 'mcp-e2e-steps';
  script(
    [
      {
        toolCalls: [{ toolName: 'echo', input: { message: 'one' } }],
        usage: { inputUncached: 10, output: 1 },
      },
      { text: 'never asked', usage: { inputUncached: 1000, output: 1000 } },
    ],
    model,
  );
  const res = await owner.graphql(SEND, {
    input: {
      projectId,
      provider: 'mock',
      model,
      content: 'loop',
      mcpServers: ['everything'],
      maxToolSteps: 1,
    },
  });
  expect(res.errors).toBeUndefined();
  expect(res.data.sendMessage.usage).toEqual({ inputUncached: 10, output: 1 });
  expect(res.data.sendMessage.message.toolCalls.map((c: { tool: string }) => c.tool)).toEqual(['echo']);
  // The unused turn is still queued: drain it so later tests start clean.
  expect(app.runtime.services.providers.mockScripts.pending()).toBe(1);
  app.runtime.services.providers.mockScripts.clear();
}, 60_000);

it('runs a chain’s pre-steps over the message and hands their result to the model as context', async () => {
  const model = 'mcp-e2e-primed';
  script([{ echoPrompt: true }], model);
  const res = await owner.graphql(SEND, {
    input: {
      projectId,
      provider: 'mock',
      model,
      content: 'hello there',
      mcpServers: ['primed'],
      system: 'Be terse.',
    },
  });
  expect(res.errors).toBeUndefined();
  const seen: string = res.data.sendMessage.message.content;
  // The caller's system prompt first, then the pre-step's answer, then the conversation.
  expect(seen.indexOf('Be terse.')).toBe(0);
  expect(seen).toContain('Echo: context for hello there');
  expect(seen.endsWith('hello there')).toBe(true);
}, 60_000);

it('rejects tool options without mcpServers, and out-of-range step limits', async () => {
  const bad = await owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model: 'm', content: 'hi', requireTools: true, maxToolSteps: 0 },
  });
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(bad.errors?.[0]?.extensions)).toContain('requireTools');
  const big = await owner.graphql(SEND, {
    input: {
      projectId,
      provider: 'mock',
      model: 'm',
      content: 'hi',
      mcpServers: ['everything'],
      maxToolSteps: 51,
    },
  });
  expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(big.errors?.[0]?.extensions)).toContain('maxToolSteps');
});

it('runs the tool loop in streamMessage too', async () => {
  const model = 'mcp-e2e-stream';
  script(
    [
      {
        toolCalls: [{ toolName: 'echo', input: { message: 'streamed' } }],
        usage: { inputUncached: 7, output: 3 },
      },
      { text: 'Echoed.', usage: { inputUncached: 11, output: 5 } },
    ],
    model,
  );
  const before = executed.length;
  const ws = owner.ws();
  await ws.connected;
  const sub = ws.subscribe<{
    streamMessage: {
      kind: string;
      delta: string | null;
      result: { usage: { inputUncached: number } } | null;
    };
  }>(
    'subscription($input: SendMessageInput!) { streamMessage(input: $input) { kind delta result { usage { inputUncached } } } }',
    { input: { projectId, provider: 'mock', model, content: 'echo it', mcpServers: ['everything'] } },
  );
  let values: {
    streamMessage: {
      kind: string;
      delta: string | null;
      result: { usage: { inputUncached: number } } | null;
    };
  }[] = [];
  for (let n = 1; !values.some((v) => v.streamMessage.kind === 'DONE'); n += 1)
    values = await sub.next(n, 20_000);
  const done = values.find((v) => v.streamMessage.kind === 'DONE')!.streamMessage;
  expect(done.result?.usage.inputUncached).toBe(18);
  expect(
    values
      .filter((v) => v.streamMessage.kind === 'DELTA')
      .map((v) => v.streamMessage.delta)
      .join(''),
  ).toBe('Echoed.');
  expect(executed.slice(before).map((e) => [e.payload.tool, e.payload.isError])).toEqual([['echo', false]]);
  await ws.dispose();
}, 60_000);

it('records each call with its result and hands tool errors back to the model', async () => {
  const prepared = await app.runtime.services.mcp.prepareTools(['tools'], callerOf(owner), {
    requestId: 'req-record-1',
  });
  // The chain's allow list keeps two of everything's tools; the dead server is left out.
  expect(Object.keys(prepared.tools).sort()).toEqual(['echo', 'get-sum']);
  expect(prepared.unavailable.map((u) => u.server)).toEqual(['dead']);
  expect(prepared.maxSteps).toBe(8);
  const ctx = { toolCallId: 'c1', messages: [] };
  const ok = await prepared.tools.echo!.execute!({ message: 'hi' }, ctx);
  const bad = await prepared.tools['get-sum']!.execute!({ a: 'two' }, { ...ctx, toolCallId: 'c2' });
  expect(prepared.calls.map((c) => [c.toolCallId, c.tool, c.isError, c.resultText])).toEqual([
    ['c1', 'echo', false, 'Echo: hi'],
    ['c2', 'get-sum', true, expect.any(String)],
  ]);
  expect(ok).toMatchObject({ isError: false });
  expect(bad).toMatchObject({ isError: true });
  const toModel = await prepared.tools['get-sum']!.toModelOutput!({
    toolCallId: 'c2',
    input: { a: 'two' },
    output: bad,
  });
  expect(toModel.type).toBe('error-text');
  expect(executed.filter((e) => e.payload.requestId === 'req-record-1')).toHaveLength(2);
}, 60_000);

it('leaves a dead server out of the request unless requireTools is set', async () => {
  const model = 'mcp-e2e-dead';
  script([{ text: 'answered without tools' }], model);
  const res = await owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model, content: 'hi', mcpServers: ['dead'] },
  });
  expect(res.errors).toBeUndefined();
  expect(res.data.sendMessage.message.content).toBe('answered without tools');

  const required = await owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model, content: 'hi', mcpServers: ['dead'], requireTools: true },
  });
  expect(required.errors?.[0]?.extensions?.code).toBe('MCP_SERVER_UNAVAILABLE');
  expect(required.errors?.[0]?.message).toContain('dead');
}, 60_000);

it('rejects unknown servers in sendMessage with a validation error naming mcpServers', async () => {
  const res = await owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model: 'm', content: 'hi', mcpServers: ['nope'] },
  });
  expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(res.errors)).toContain('nope');
});

it('raises PerformanceThresholdExceeded for a tool call over 500 ms, once per cooldown', async () => {
  const before = slow.length;
  const call = () =>
    app.runtime.services.mcp.callTool(callerOf(owner), {
      server: 'everything',
      tool: 'trigger-long-running-operation',
      arguments: { duration: 1, steps: 1 },
    });
  const result = await call();
  expect(result.isError).toBe(false);
  // Monitoring raises it (through its cooldown) once the registry reports the call.
  await app.runtime.services.monitoring!.idle();
  const ours = () =>
    slow.slice(before).filter((e) => e.payload.subject === 'everything.trigger-long-running-operation');
  expect(ours()).toHaveLength(1);
  expect(ours()[0]!.payload).toMatchObject({ metric: 'mcp_call', threshold: 500 });
  expect(ours()[0]!.payload.value).toBeGreaterThan(500);
  // Still slow inside the cooldown: one alert stream, no second alert.
  await call();
  await app.runtime.services.monitoring!.idle();
  expect(ours()).toHaveLength(1);
}, 60_000);

describe('GraphQL', () => {
  it('lists servers with status, tool count and latency, and a server’s tools', async () => {
    const res = await owner.graphql(
      '{ mcpServers { name transport enabled status toolCount lastError { code message at } p50LatencyMs p95LatencyMs calls restarts } }',
    );
    expect(res.errors).toBeUndefined();
    const byName = Object.fromEntries(res.data.mcpServers.map((s: { name: string }) => [s.name, s]));
    expect(byName.everything).toMatchObject({ transport: 'stdio', enabled: true, status: 'READY' });
    expect(byName.everything.toolCount).toBeGreaterThan(2);
    expect(byName.everything.calls).toBeGreaterThan(0);
    expect(byName.everything.p50LatencyMs).toEqual(expect.any(Number));
    expect(byName.dead.status).toBe('FAILED');
    expect(byName.dead.lastError).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', at: expect.any(String) });
    expect(byName.dead.lastError.message).toContain('dead');

    const tools = await owner.graphql(
      'query($s: String!) { mcpTools(server: $s) { server name title description inputSchema outputSchema annotations } }',
      {
        s: 'everything',
      },
    );
    expect(tools.errors).toBeUndefined();
    const echo = tools.data.mcpTools.find((t: { name: string }) => t.name === 'echo');
    expect(echo.inputSchema.properties.message).toBeDefined();
    expect(echo.description).toEqual(expect.any(String));
    expect(echo.server).toBe('everything');

    const unknown = await owner.graphql('{ mcpTools(server: "nope") { name } }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }, 60_000);

  it('lets an admin refresh tools and call a tool', async () => {
    const refreshed = await owner.graphql('mutation { refreshMcpTools(server: "everything") { name } }');
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data.refreshMcpTools.map((t: { name: string }) => t.name)).toContain('get-sum');

    const before = executed.length;
    const called = await owner.graphql(
      'mutation($a: JSON) { callMcpTool(server: "everything", tool: "echo", arguments: $a) { server tool isError text content structuredContent durationMs } }',
      { a: { message: 'diag' } },
    );
    expect(called.errors).toBeUndefined();
    expect(called.data.callMcpTool).toMatchObject({
      server: 'everything',
      tool: 'echo',
      isError: false,
      text: 'Echo: diag',
      content: [{ type: 'text', text: 'Echo: diag' }],
    });
    expect(executed.slice(before).map((e) => e.payload.tool)).toEqual(['echo']);

    const dead = await owner.graphql('mutation { refreshMcpTools(server: "dead") { name } }');
    expect(dead.errors?.[0]?.extensions?.code).toBe('MCP_SERVER_UNAVAILABLE');

    const badArgs = await owner.graphql(
      'mutation { callMcpTool(server: "everything", tool: "echo", arguments: [1, 2]) { text } }',
    );
    expect(badArgs.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }, 60_000);

  it('forbids the mutations to members and viewers', async () => {
    for (const role of ['member', 'viewer'] as const) {
      const user = await app.seed.createUser(owner, role);
      const refresh = await user.graphql('mutation { refreshMcpTools(server: "everything") { name } }');
      expect(refresh.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const call = await user.graphql(
        'mutation { callMcpTool(server: "everything", tool: "echo", arguments: { message: "x" }) { text } }',
      );
      expect(call.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // Reading is allowed to every member of an organisation.
      const servers = await user.graphql('{ mcpServers { name } }');
      expect(servers.errors).toBeUndefined();
    }
  }, 60_000);

  it('requires a key', async () => {
    const res = await app.graphql('{ mcpServers { name } }', { key: null });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// Last: it stops the app.
it('kills every MCP server process tree on graceful shutdown', async () => {
  const pid = app.runtime.services.mcp.registry.status().find((s) => s.name === 'everything')?.pid;
  expect(pid).toEqual(expect.any(Number));
  const tree = processTree(pid!);
  expect(alive(tree)).not.toHaveLength(0);
  await app.stop();
  expect(alive(tree)).toEqual([]);
  // A request after shutdown is not served by a respawned server.
  const after = await app.runtime.services.mcp.prepareTools(['everything'], callerOf(owner));
  expect(after.unavailable).toEqual([expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' })]);
  expect(alive(tree)).toEqual([]);
}, 60_000);
