import { jsonSchema, tool } from 'ai';

import { ChatRunner, ProviderRequestError, type ChatResult } from '../chat-runner';
import { loadProvidersConfig } from '../provider-config';
import { ProviderRegistry } from '../provider-registry';
import { MockScriptBook, parseMockDirective } from './mock-script';

function setup(env: Record<string, string> = {}) {
  const registry = new ProviderRegistry(loadProvidersConfig({ PROVIDER_MAX_RETRIES: '0', ...env }));
  return { registry, runner: new ChatRunner(registry), scripts: registry.mockScripts };
}

const ask = (content: string, model = 'mock-small') => ({
  provider: 'mock',
  model,
  messages: [{ role: 'user' as const, content }],
});

async function streamAll(runner: ChatRunner, request: ReturnType<typeof ask>) {
  const deltas: string[] = [];
  let result: ChatResult | undefined;
  for await (const event of runner.stream(request)) {
    if (event.type === 'text-delta') deltas.push(event.text);
    if (event.type === 'finish') result = event.result;
  }
  return { deltas, result: result! };
}

describe('mock provider', () => {
  it('is the only provider when no key is set, and says it is a mock', () => {
    const { registry } = setup();
    expect(registry.list().map((p) => p.id)).toEqual(['mock']);
    expect(registry.defaultProvider()?.label).toMatch(/mock/i);
    expect(registry.get('MOCK').models).toEqual(['mock-large', 'mock-small']);
  });

  it('answers deterministically, labelled as the mock, with usage estimated from the text', async () => {
    const { runner } = setup();
    const first = await runner.generate(ask('Hello mock'));
    const second = await runner.generate(ask('Hello mock'));
    expect(first.text).toBe('[mock mock-small] Hello mock');
    expect(second.usage).toEqual(first.usage);
    // "Hello mock" = 10 chars -> 3 tokens; the reply (28 chars) + "[]" -> 30 chars -> 8 tokens
    expect(first.usage).toEqual({
      inputUncached: 3,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 8,
      reasoning: 0,
    });
    expect(first.calls[0]).toMatchObject({ usageSource: 'raw', partial: false, responseModel: 'mock-small' });
  });

  it('plays scripted turns per model first, then for any model', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({ text: 'for anyone', usage: { inputUncached: 1, output: 1 } });
    scripts.enqueue(
      [
        {
          text: 'for large',
          usage: { inputUncached: 100, cacheRead: 50, cacheWrite1h: 7, output: 20, reasoning: 5 },
        },
      ],
      'mock-large',
    );
    const large = await runner.generate(ask('x', 'mock-large'));
    const small = await runner.generate(ask('x'));
    expect(large.text).toBe('for large');
    expect(large.usage).toEqual({
      inputUncached: 100,
      cacheRead: 50,
      cacheWrite5m: 0,
      cacheWrite1h: 7,
      output: 20,
      reasoning: 5,
    });
    expect(small.text).toBe('for anyone');
    expect(scripts.pending()).toBe(0);
  });

  it('echoes the prompt it received, system prompt first, when scripted to', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({ echoPrompt: true });
    const result = await runner.generate({ ...ask('the question'), system: 'be brief' });
    expect(result.text).toBe('be briefthe question');
  });

  it('streams the scripted text in deltas and reports the same usage as generate', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({ text: 'abcdefghij', chunkSize: 3, usage: { inputUncached: 4, output: 6 } });
    const { deltas, result } = await streamAll(runner, ask('x'));
    expect(deltas).toEqual(['abc', 'def', 'ghi', 'j']);
    expect(result.text).toBe('abcdefghij');
    expect(result.usage).toMatchObject({ inputUncached: 4, output: 6 });
  });

  it('accepts an inline ::mock directive so out-of-process clients can script it', async () => {
    const { runner } = setup();
    const result = await runner.generate(
      ask('::mock {"text":"inline","usage":{"inputUncached":9,"output":2}}'),
    );
    expect(result.text).toBe('inline');
    expect(result.usage).toMatchObject({ inputUncached: 9, output: 2 });
    expect(() => parseMockDirective('::mock {oops')).toThrow(/followed by JSON/);
    expect(() => parseMockDirective('::mock {"txt":"typo"}')).toThrow(/txt|Unrecognized/);
    expect(parseMockDirective('plain text')).toBeUndefined();
  });

  it('fails with scripted provider statuses as typed errors', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue([{ error: { status: 429 } }, { error: { status: 503, message: 'down' } }]);
    await expect(runner.generate(ask('x'))).rejects.toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      details: { providerStatus: 429 },
    });
    await expect(streamAll(runner, ask('x'))).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      details: { providerStatus: 503 },
    });
  });

  it('records the input usage of a stream that fails part-way', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({
      text: 'abcdefgh',
      chunkSize: 2,
      failAfterChunks: 2,
      usage: { inputUncached: 40, output: 9 },
    });
    const error = (await streamAll(runner, ask('x')).catch((e: unknown) => e)) as ProviderRequestError;
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect(error.chargedCalls).toEqual([
      expect.objectContaining({
        partial: true,
        usage: expect.objectContaining({ inputUncached: 40, output: 0 }),
      }),
    ]);
  });

  it('honours delays and times out as PROVIDER_TIMEOUT', async () => {
    const { runner, scripts } = setup({ PROVIDER_TIMEOUT_MS: '50' });
    scripts.enqueue([
      { text: 'late', delayMs: 5_000 },
      { text: 'late', chunkDelayMs: 5_000, chunkSize: 1 },
    ]);
    await expect(runner.generate(ask('x'))).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    await expect(streamAll(runner, ask('x'))).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
  });

  it('cancels when the caller aborts', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({ text: 'never', delayMs: 5_000 });
    const controller = new AbortController();
    const pending = runner.generate({ ...ask('x'), abortSignal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED', status: 499 });
  });

  it('stops the provider call when the stream consumer stops reading', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue({ text: 'abcdefgh', chunkSize: 1 });
    const received: string[] = [];
    for await (const event of runner.stream(ask('x'))) {
      if (event.type === 'text-delta') received.push(event.text);
      if (received.length === 2) break;
    }
    expect(received).toEqual(['a', 'b']);
  });

  it('scripts tool calls that run through the AI SDK tool loop, each call with its usage', async () => {
    const { runner, scripts } = setup();
    scripts.enqueue([
      { toolCalls: [{ toolName: 'add', input: { a: 2, b: 3 } }], usage: { inputUncached: 30, output: 10 } },
      { text: 'The sum is 5.', usage: { inputUncached: 45, output: 6 } },
    ]);
    const add = tool({
      inputSchema: jsonSchema<{ a: number; b: number }>({
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
      }),
      execute: async ({ a, b }) => ({ sum: a + b }),
    });
    const result = await runner.generate({ ...ask('2+3?'), tools: { add } });
    expect(result.text).toBe('The sum is 5.');
    expect(result.toolCalls).toEqual([expect.objectContaining({ toolName: 'add', input: { a: 2, b: 3 } })]);
    expect(result.calls.map((c) => c.usage.inputUncached)).toEqual([30, 45]);
    expect(result.usage).toMatchObject({ inputUncached: 75, output: 16 });
  });

  it('refuses malformed scripts with BAD_USER_INPUT', () => {
    const book = new MockScriptBook();
    expect(() => book.enqueue({ error: { status: 200 } })).toThrow(/mockTurn.error.status/);
    book.enqueue({ text: 'a' }, 'm');
    book.clear();
    expect(book.pending()).toBe(0);
  });

  it('refuses a request without a model', async () => {
    const { runner } = setup();
    await expect(runner.generate(ask('x', ' '))).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
