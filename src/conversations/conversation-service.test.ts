/**
 * The request path with the mock provider and in-memory stores, cost tracking wired through the
 * real event bus in sync (inline) mode: what a user sends, what is stored, what it cost.
 */
import { jsonSchema, tool } from 'ai';

import type { Caller } from '../auth/roles';
import { createCostAnnouncer, registerCostListeners } from '../costs/cost-events';
import type { CostRecord } from '../costs/cost-record';
import { InMemoryCostRecordStore, InMemoryUsageEventStore } from '../costs/cost-stores';
import { CostTrackingService } from '../costs/cost-tracking-service';
import { DomainEventBus } from '../events/bus';
import { InMemoryPriceOverrideStore } from '../pricing/price-override-store';
import { PricingService } from '../pricing/pricing-service';
import { ChatRunner } from '../providers/chat-runner';
import { loadProvidersConfig } from '../providers/provider-config';
import { ProviderRegistry } from '../providers/provider-registry';
import { FakeClock } from '../shared/clock';
import { createLogger } from '../shared/logger';
import { InMemoryConversationStore } from './conversation-store';
import { ConversationService, type ConversationServiceDeps } from './conversation-service';
import type { DomainEvent } from '../events/event';
import { PREFIX_CHARS } from './prompt-prefix';
import type { RequestToolCall } from './request-tools';
import { DEFAULT_MAX_TOOL_STEPS } from './send-message-input';

const member: Caller = {
  userId: 'u1',
  organizationId: 'org',
  apiKeyId: 'k1',
  role: 'member',
  projectRoles: { p1: 'member' },
};
/** Streams without tools never ask for a step hold. */
const unusedStepHold = async (): Promise<never> => {
  throw new Error('no tool step in this test');
};

const otherMember: Caller = { ...member, userId: 'u2', apiKeyId: 'k2' };
const admin: Caller = {
  userId: 'u9',
  organizationId: 'org',
  apiKeyId: 'k9',
  role: 'admin',
  projectRoles: {},
};
const outsider: Caller = { ...admin, organizationId: 'org-2' };

function setup(extra: Partial<ConversationServiceDeps> = {}) {
  const clock = new FakeClock('2025-10-01T12:00:00Z');
  const registry = new ProviderRegistry(loadProvidersConfig({ PROVIDER_MAX_RETRIES: '0' }));
  const pricing = new PricingService(new InMemoryPriceOverrideStore(), undefined, () => clock.now());
  const costRecords = new InMemoryCostRecordStore();
  const usageEvents = new InMemoryUsageEventStore();
  const events = new DomainEventBus({ logger: createLogger({ level: 'silent' }) });
  const published: CostRecord[] = [];
  const announce = createCostAnnouncer({});
  const costs = new CostTrackingService({
    usageEvents,
    costRecords,
    pricing,
    clock,
    announce: async (record) => {
      published.push(record);
      await announce(record);
    },
  });
  registerCostListeners(events, costs, 'sync');
  let n = 0;
  const service = new ConversationService({
    store: new InMemoryConversationStore(),
    runner: new ChatRunner(registry),
    costs,
    pricing,
    events,
    clock,
    newId: () => `id${++n}`,
    ...extra,
  });
  const generated: DomainEvent<'ResponseGenerated'>[] = [];
  events.listen({
    event: 'ResponseGenerated',
    name: 'test-recorder',
    mode: 'inline',
    handle: (event) => void generated.push(event),
  });
  // Price the mock models so costs are checkable by hand: $1 input, $0.10 cached, $2 output per MTok.
  const priceMock = () =>
    pricing.setModelPrice('org', {
      provider: 'mock',
      model: 'mock-small',
      inputPerMTok: '1',
      cachedInputPerMTok: '0.10',
      outputPerMTok: '2',
      effectiveFrom: '2025-01-01',
    });
  return {
    service,
    scripts: registry.mockScripts,
    costRecords,
    usageEvents,
    published,
    priceMock,
    clock,
    generated,
  };
}

const send = (content: string, extra: Record<string, unknown> = {}) => ({
  projectId: 'p1',
  provider: 'mock',
  model: 'mock-small',
  content,
  ...extra,
});

/** Role and text of every message in the caller's only conversation (none: no conversation). */
async function storedMessages(service: ConversationService): Promise<[string, string][]> {
  const { conversations } = await service.listConversations(member);
  if (conversations.length === 0) return [];
  expect(conversations).toHaveLength(1);
  const { messages } = await service.getConversation(member, conversations[0]!.id);
  return messages.map((m) => [m.role, m.content]);
}

describe('sendMessage', () => {
  it('answers, stores both messages, and records exactly what the request cost', async () => {
    const { service, scripts, costRecords, published, priceMock } = setup();
    await priceMock();
    scripts.enqueue({ text: 'Hi!', usage: { inputUncached: 1_000, cacheRead: 4_000, output: 500 } });
    const payload = await service.sendMessage(member, send('Hello', { metadata: { feature: 'chat' } }), {
      requestId: 'req-1',
    });
    expect(payload.message).toMatchObject({
      role: 'assistant',
      content: 'Hi!',
      requestId: 'req-1',
      metadata: { feature: 'chat' },
    });
    expect(payload.usage).toMatchObject({ inputUncached: 1_000, cacheRead: 4_000, output: 500 });
    // 1000 × $1 + 4000 × $0.10 + 500 × $2 per MTok = 0.001 + 0.0004 + 0.001 = $0.0024
    expect(payload.cost.cost.total).toBe(2_400_000n);
    const [record] = await costRecords.find({ organizationId: 'org' });
    expect(record).toMatchObject({
      id: 'ue_req-1',
      requestId: 'req-1',
      userId: 'u1',
      apiKeyId: 'k1',
      projectId: 'p1',
      conversationId: payload.conversation.id,
      messageId: payload.message.id,
    });
    expect(record?.cost.total).toBe(payload.cost.cost.total);
    expect(published.map((r) => r.id)).toEqual(['ue_req-1']);
    const { messages } = await service.getConversation(member, payload.conversation.id);
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Hello'],
      ['assistant', 'Hi!'],
    ]);
  });

  it('continues a conversation with its history', async () => {
    const { service, scripts } = setup();
    const first = await service.sendMessage(member, send('one'));
    scripts.enqueue({ text: 'two' });
    const second = await service.sendMessage(
      member,
      send('again', { conversationId: first.conversation.id, projectId: undefined }),
    );
    expect(second.conversation.id).toBe(first.conversation.id);
    const { messages } = await service.getConversation(member, first.conversation.id);
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'one'],
      ['assistant', first.message.content],
      ['user', 'again'],
      ['assistant', 'two'],
    ]);
  });

  it('moves a continued conversation to the top of the list when the answer is stored', async () => {
    const { service, clock } = setup();
    const older = await service.sendMessage(member, send('older'));
    clock.advance(60_000);
    await service.sendMessage(member, send('newer'));
    clock.advance(60_000);
    await service.sendMessage(
      member,
      send('back', { conversationId: older.conversation.id, projectId: undefined }),
    );
    const { conversations } = await service.listConversations(member);
    expect(conversations[0]).toMatchObject({ id: older.conversation.id, updatedAt: clock.now() });
  });

  it('records the partial usage of a failed request, then reports the typed error', async () => {
    const { service, scripts, costRecords, priceMock } = setup();
    await priceMock();
    scripts.enqueue({
      text: 'abcdefgh',
      chunkSize: 2,
      failAfterChunks: 1,
      error: { status: 529 },
      usage: { inputUncached: 3_000 },
    });
    const stream = service.streamMessage(member, send('x'), { requestId: 'req-f' });
    const deltas: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) if (event.type === 'delta') deltas.push(event.text);
      })(),
    ).rejects.toMatchObject({ code: 'PROVIDER_ERROR', details: { providerStatus: 529 } });
    expect(deltas).toEqual(['ab']);
    const [record] = await costRecords.find({ organizationId: 'org' });
    expect(record).toMatchObject({ id: 'ue_req-f', usageIncomplete: true, messageId: null });
    expect(record?.cost.total).toBe(3_000_000n); // 3000 × $1 / 1e6
    // The question is kept, in its conversation, with no answer.
    expect(await storedMessages(service)).toEqual([['user', 'x']]);
  });

  it('records what the provider charged, and the text it streamed, when the client stops reading a stream', async () => {
    const { service, scripts, costRecords, priceMock } = setup();
    await priceMock();
    scripts.enqueue({ text: 'abcdefgh', chunkSize: 1, usage: { inputUncached: 7_000, output: 8 } });
    for await (const event of service.streamMessage(member, send('x'), { requestId: 'req-gone' })) {
      if (event.type === 'delta') break;
    }
    const [record] = await costRecords.find({ organizationId: 'org' });
    expect(record).toMatchObject({ id: 'ue_req-gone', usageIncomplete: true });
    // The provider had reported its input; the one character streamed is counted by us (o200k with
    // the foreign-tokenizer margin: 1 token × 135%, rounded up).
    expect(record?.usage).toMatchObject({ inputUncached: 7_000, output: 2 });
    expect(record?.cost.total).toBe(7_004_000n); // 7000 × $1 / 1e6 + 2 × $2 / 1e6
    expect(await storedMessages(service)).toEqual([['user', 'x']]);
  });

  it('aborts a silent provider when the client leaves, records an estimate and trims the hold to its cost', async () => {
    const trim = jest.fn(async () => undefined);
    const { service, scripts, costRecords, priceMock } = setup({ holds: { trim, holdStep: unusedStepHold } });
    await priceMock();
    scripts.enqueue({ text: 'never sent', delayMs: 600_000 });
    const stream = service.streamMessage(member, send('x'), { requestId: 'req-silent' });
    const pending = stream.next();
    // Resolves once the provider call was aborted and what it consumed recorded: not in ten minutes.
    await stream.return(undefined);
    await expect(pending).resolves.toMatchObject({ done: true });
    const [record] = await costRecords.find({ organizationId: 'org' });
    expect(record).toMatchObject({ id: 'ue_req-silent', usageIncomplete: true, status: 'priced' });
    expect(record?.usage.inputUncached).toBeGreaterThan(0);
    expect(record?.usage.output).toBe(0);
    expect(trim).toHaveBeenCalledWith('req-silent', record?.cost.total);
  });

  it('hands the whole hold back when the client leaves before the stream ran', async () => {
    const trim = jest.fn(async () => undefined);
    const { service, costRecords } = setup({ holds: { trim, holdStep: unusedStepHold } });
    await service.streamMessage(member, send('x'), { requestId: 'req-never' }).return(undefined);
    expect(trim).toHaveBeenCalledWith('req-never', 0n);
    expect(await costRecords.find({ organizationId: 'org' })).toEqual([]);
  });

  it('trims the hold of a stream whose provider failed to what it charged, so it never expires into an estimate', async () => {
    const trim = jest.fn(async () => undefined);
    const { service, scripts, costRecords, priceMock } = setup({ holds: { trim, holdStep: unusedStepHold } });
    await priceMock();
    scripts.enqueue({ text: 'partly sent', chunkSize: 4, failAfterChunks: 1, error: { status: 500 } });
    const stream = service.streamMessage(member, send('x'), { requestId: 'req-failed' });
    await expect(stream.next()).resolves.toMatchObject({ value: { type: 'delta' } });
    await expect(stream.next()).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    const [record] = await costRecords.find({ organizationId: 'org' });
    expect(record?.cost.total).toBeGreaterThan(0n);
    expect(trim).toHaveBeenCalledWith('req-failed', record?.cost.total);
  });

  it('records nothing for a failure the provider did not charge', async () => {
    const { service, scripts, costRecords } = setup();
    scripts.enqueue({ error: { status: 429 } });
    await expect(service.sendMessage(member, send('x'))).rejects.toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
    });
    expect(costRecords.size()).toBe(0);
    expect(await storedMessages(service)).toEqual([['user', 'x']]);
  });

  it('streams deltas and ends with the same payload shape, priced like a generated answer', async () => {
    const { service, scripts, priceMock } = setup();
    await priceMock();
    scripts.enqueue({ text: 'streamed!', chunkSize: 3, usage: { inputUncached: 10, output: 20 } });
    const events = [];
    for await (const event of service.streamMessage(member, send('x'))) events.push(event);
    expect(events.slice(0, 3)).toEqual([
      { type: 'delta', text: 'str' },
      { type: 'delta', text: 'eam' },
      { type: 'delta', text: 'ed!' },
    ]);
    const done = events[3];
    // 10 × $1 + 20 × $2 per MTok = 10,000 + 40,000 nano-USD
    expect(done?.type === 'done' && done.payload.cost.cost.total).toBe(50_000n);
  });

  it('flags an unpriced model instead of costing it $0', async () => {
    const { service, costRecords } = setup();
    const payload = await service.sendMessage(member, send('x', { model: 'mock-large' }));
    expect(payload.cost.status).toBe('unpriced');
    expect((await costRecords.find({ organizationId: 'org' }))[0]).toMatchObject({
      status: 'unpriced',
      unpricedDelta: 1,
    });
  });

  it.each([
    [{ content: '' }, 'content'],
    [{ projectId: undefined }, 'projectId'],
    [{ temperature: 3 }, 'temperature'],
    [{ model: '' }, 'model'],
    [{ mcpServers: ['memory'] }, 'mcpServers'],
  ])('refuses bad input %j naming the field', async (override, field) => {
    const { service } = setup();
    const error = await service.sendMessage(member, { ...send('x'), ...override }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining(field) });
  });
});

describe('tenancy', () => {
  it('keeps conversations to their author, admins and the organisation', async () => {
    const { service } = setup();
    const { conversation } = await service.sendMessage(member, send('private'));
    await expect(service.getConversation(otherMember, conversation.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.getConversation(outsider, conversation.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await service.getConversation(admin, conversation.id)).conversation.id).toBe(conversation.id);
    await expect(
      service.sendMessage(otherMember, send('hijack', { conversationId: conversation.id })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.sendMessage(member, send('x', { projectId: 'p-other' }))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      service.sendMessage(member, send('x', { conversationId: conversation.id, projectId: 'p2' })),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(
      service.sendMessage({ ...admin, role: 'viewer' }, send('x', { conversationId: conversation.id })),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lists visible conversations newest first with cursor pages', async () => {
    const { service, clock } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1_000);
      ids.push((await service.sendMessage(member, send(`m${i}`))).conversation.id);
    }
    await service.sendMessage(otherMember, { ...send('theirs') });
    const page1 = await service.listConversations(member, { first: 2 });
    expect(page1.conversations.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect(page1.hasNextPage).toBe(true);
    const last = page1.conversations[1]!;
    const page2 = await service.listConversations(member, { first: 2, after: last });
    expect(page2.conversations.map((c) => c.id)).toEqual([ids[0]]);
    expect(page2.hasNextPage).toBe(false);
    expect((await service.listConversations(admin)).conversations).toHaveLength(4);
    expect((await service.listConversations(outsider)).conversations).toHaveLength(0);
  });
});

describe('what a request tells analytics', () => {
  it('carries outcome, latency, the limit set and, for streams, the time to first text', async () => {
    const { service, generated } = setup();
    await service.sendMessage(member, send('short', { maxOutputTokens: 300 }));
    for await (const event of service.streamMessage(member, send('streamed'))) void event;
    expect(generated.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        outcome: 'succeeded',
        maxOutputTokens: 300,
        ttftMs: null,
        promptPrefixHash: null,
        toolCalls: 0,
        toolErrors: 0,
      }),
      expect.objectContaining({ outcome: 'succeeded', maxOutputTokens: null, ttftMs: expect.any(Number) }),
    ]);
    expect(generated[0]!.payload.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fingerprints a long shared prompt prefix the same way, and a different one differently', async () => {
    const { service, generated } = setup();
    const preamble = 'You answer questions about the handbook. '.repeat(120);
    expect(preamble.length).toBeGreaterThan(PREFIX_CHARS);
    await service.sendMessage(member, send('first question', { system: preamble }));
    await service.sendMessage(member, send('second question', { system: preamble }));
    await service.sendMessage(member, send('third', { system: `Other. ${preamble}` }));
    const [a, b, c] = generated.map((e) => e.payload.promptPrefixHash);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(JSON.stringify(generated)).not.toContain('handbook');
  });
});

describe('MCP tools in a request', () => {
  const sendWithTools = (extra: Record<string, unknown> = {}) =>
    send('look it up', { mcpServers: ['kb'], ...extra });

  function withTools(options: { fail?: Error; context?: string } = {}) {
    const calls: RequestToolCall[] = [];
    const requests: unknown[] = [];
    const prepareTools: ConversationServiceDeps['prepareTools'] = async (servers, _caller, opts) => {
      requests.push({ servers, ...opts, signal: undefined });
      if (options.fail) throw options.fail;
      return {
        context: options.context ?? '',
        maxSteps: opts.maxSteps ?? DEFAULT_MAX_TOOL_STEPS,
        calls,
        tools: {
          lookup: tool({
            inputSchema: jsonSchema<{ q: string }>({ type: 'object', properties: { q: { type: 'string' } } }),
            execute: async ({ q }, { toolCallId }) => {
              calls.push({
                toolCallId,
                name: 'lookup',
                server: 'kb',
                tool: 'lookup',
                arguments: { q },
                argumentBytes: 10,
                durationMs: 3.4,
                isError: false,
                resultText: `found ${q}`.padEnd(9_000, '.'),
              });
              return `found ${q}`;
            },
          }),
        },
      };
    };
    return { ...setup({ prepareTools }), requests };
  }

  it('passes the request id, message and limits, and records each call on the assistant message', async () => {
    const { service, scripts, requests, generated } = withTools();
    scripts.enqueue([{ toolCalls: [{ toolName: 'lookup', input: { q: 'pricing' } }] }, { text: 'done' }]);
    const payload = await service.sendMessage(
      member,
      sendWithTools({ requireTools: true, maxToolSteps: 3 }),
      {
        requestId: 'req-1',
      },
    );
    expect(requests).toEqual([
      {
        servers: ['kb'],
        message: 'look it up',
        requestId: 'req-1',
        requireTools: true,
        maxSteps: 3,
        signal: undefined,
      },
    ]);
    expect(payload.modelCalls).toHaveLength(2);
    expect(payload.message.toolCalls).toEqual([
      expect.objectContaining({
        name: 'lookup',
        arguments: { q: 'pricing' },
        durationMs: 3,
        errorCode: null,
      }),
    ]);
    // Long tool output is cut, and says how much was left out.
    expect(payload.message.toolCalls[0]!.resultText).toMatch(/^found pricing\.+… \[1000 more characters\]$/);
    const stored = await service.getConversation(member, payload.conversation.id);
    expect(stored.messages.map((m) => m.toolCalls.length)).toEqual([0, 1]);
    expect(generated[0]!.payload).toMatchObject({ toolCalls: 1, toolErrors: 0 });
  });

  it('adds pre-step context after the caller’s system prompt', async () => {
    const { service, scripts } = withTools({ context: 'Context: facts.' });
    scripts.enqueue({ echoPrompt: true });
    const payload = await service.sendMessage(member, sendWithTools({ system: 'Be brief.' }));
    expect(payload.message.content).toBe('Be brief.\n\nContext: facts.look it up');
  });

  it('stores nothing when the tools cannot be prepared', async () => {
    const { service } = withTools({
      fail: Object.assign(new Error('kb is down'), { code: 'MCP_SERVER_UNAVAILABLE' }),
    });
    await expect(service.sendMessage(member, sendWithTools({ requireTools: true }))).rejects.toThrow(
      'kb is down',
    );
    expect((await service.listConversations(member)).conversations).toEqual([]);
  });

  it('refuses mcpServers when no MCP integration is wired', async () => {
    const { service } = setup();
    await expect(service.sendMessage(member, sendWithTools())).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fields: [{ field: 'mcpServers', message: expect.stringMatching(/not available/) }] },
    });
  });
});
