/**
 * Provider failures through the real AI SDK against the loopback fakes: typed errors with the
 * provider's status, timeouts, and the usage a provider charged before failing.
 */
import { jsonSchema, tool } from 'ai';

import { ProviderRequestError, type ChatRunner } from '../../src/providers/chat-runner';
import { startFakeProviders, type FakeProviderServer } from '../fakes/fake-provider-server';
import { runnerFor, userMessage } from './provider-harness';

let fake: FakeProviderServer;
let runner: ChatRunner;
/** Only the timeout test runs with a short timeout: a cold first call on a slow machine can take longer. */
let impatient: ChatRunner;

beforeAll(async () => {
  fake = await startFakeProviders();
  runner = runnerFor(fake, { PROVIDER_TIMEOUT_MS: '30000' }).runner;
  impatient = runnerFor(fake, { PROVIDER_TIMEOUT_MS: '300' }).runner;
});
afterAll(() => fake.stop());

async function failure(promise: Promise<unknown>): Promise<ProviderRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

async function drain(provider: string, model: string) {
  const events = [];
  for await (const event of runner.stream({ provider, model, messages: userMessage('hi') }))
    events.push(event);
  return events;
}

describe.each([
  ['openai-responses', 'openai', 'gpt-4o'],
  ['anthropic', 'anthropic', 'claude-haiku-4-5'],
  ['google', 'google', 'gemini-2.5-flash'],
] as const)('%s errors', (api, provider, model) => {
  it('429 becomes PROVIDER_RATE_LIMITED with the provider status and retry-after', async () => {
    fake.enqueue(api, { status: 429, errorMessage: 'slow down', retryAfter: '7' });
    const error = await failure(runner.generate({ provider, model, messages: userMessage('hi') }));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.details).toMatchObject({ provider, model, providerStatus: 429, retryAfter: '7' });
    expect(error.chargedCalls).toEqual([]);
  });

  it('500 becomes PROVIDER_ERROR carrying the provider status, streamed too', async () => {
    fake.enqueue(api, { status: 500, errorMessage: 'boom' });
    const error = await failure(drain(provider, model));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.details).toMatchObject({ providerStatus: 500 });
    expect(error.message).toContain(`${provider}/${model}`);
  });

  it('a provider slower than PROVIDER_TIMEOUT_MS becomes PROVIDER_TIMEOUT', async () => {
    fake.enqueue(api, { text: 'late', delayMs: 2_000 });
    const error = await failure(impatient.generate({ provider, model, messages: userMessage('hi') }));
    expect(error.code).toBe('PROVIDER_TIMEOUT');
    expect(error.status).toBe(504);
  });
});

describe('partial usage of broken streams', () => {
  it('Anthropic: a stream that breaks after message_start still records the input it charged', async () => {
    fake.enqueue('anthropic', {
      text: 'This answer will be cut off',
      usage: {
        input_tokens: 1200,
        cache_read_input_tokens: 3000,
        cache_creation_input_tokens: 0,
        output_tokens: 80,
      },
      breakAfterFrames: 4, // message_start, content_block_start, two deltas
      breakWith: 'error-event',
      errorMessage: 'Overloaded',
    });
    const error = await failure(drain('anthropic', 'claude-sonnet-4-5'));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.chargedCalls).toHaveLength(1);
    expect(error.chargedCalls[0]).toMatchObject({
      partial: true,
      usageSource: 'raw',
      // output_tokens is message_start's placeholder (1): the final count never arrived.
      usage: { inputUncached: 1200, cacheRead: 3000, output: 1 },
    });
  });

  it('Gemini: a dropped connection records the cumulative usage of the last chunk', async () => {
    fake.enqueue('google', {
      text: 'abcdefghijklmnop',
      usage: {
        promptTokenCount: 500,
        cachedContentTokenCount: 100,
        candidatesTokenCount: 40,
        totalTokenCount: 540,
      },
      breakAfterFrames: 2,
    });
    const error = await failure(drain('google', 'gemini-2.5-flash'));
    expect(error.chargedCalls[0]).toMatchObject({
      partial: true,
      usage: { inputUncached: 400, cacheRead: 100 },
    });
  });

  it('OpenAI: a stream dropped before the usage chunk records nothing, since nothing was reported', async () => {
    fake.enqueue('openai-responses', {
      text: 'abcdefghijkl',
      usage: { input_tokens: 10, output_tokens: 3, total_tokens: 13 },
      breakAfterFrames: 3,
    });
    const error = await failure(drain('openai', 'gpt-4o'));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.chargedCalls).toEqual([]);
  });
});

describe('tool loops', () => {
  it.each([false, true])(
    'records every model call of a tool loop with its own usage (streamed: %s)',
    async (streamed) => {
      fake.enqueue(
        'openai-chat',
        {
          toolCalls: [{ id: 'call_1', name: 'lookup', input: { city: 'Paris' } }],
          usage: { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 0 } },
        },
        {
          text: 'It is sunny in Paris.',
          usage: { prompt_tokens: 140, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 64 } },
        },
      );
      const calls: unknown[] = [];
      const lookup = tool({
        description: 'Weather for a city',
        inputSchema: jsonSchema<{ city: string }>({
          type: 'object',
          properties: { city: { type: 'string' } },
        }),
        execute: async (input) => {
          calls.push(input);
          return { weather: 'sunny' };
        },
      });
      const chat = runnerFor(fake, { OPENAI_API_MODE: 'chat' }).runner;
      const request = {
        provider: 'openai',
        model: 'gpt-4o',
        messages: userMessage('Weather?'),
        tools: { lookup },
      };
      let result;
      if (streamed) {
        for await (const event of chat.stream(request)) if (event.type === 'finish') result = event.result;
      } else {
        result = await chat.generate(request);
      }
      expect(calls).toEqual([{ city: 'Paris' }]);
      expect(result?.text).toBe('It is sunny in Paris.');
      expect(result?.toolCalls).toEqual([
        { toolCallId: 'call_1', toolName: 'lookup', input: { city: 'Paris' } },
      ]);
      expect(result?.calls.map((c) => c.usage)).toEqual([
        { inputUncached: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 20, reasoning: 0 },
        { inputUncached: 76, cacheRead: 64, cacheWrite5m: 0, cacheWrite1h: 0, output: 8, reasoning: 0 },
      ]);
      expect(result?.usage).toMatchObject({ inputUncached: 176, cacheRead: 64, output: 28 });
    },
  );
});

it('refuses an unconfigured provider with PROVIDER_NOT_CONFIGURED naming the configured ones', async () => {
  await expect(
    runner.generate({ provider: 'nope', model: 'x', messages: userMessage('hi') }),
  ).rejects.toMatchObject({
    code: 'PROVIDER_NOT_CONFIGURED',
    message: expect.stringContaining('openai, anthropic, google, local, mock'),
  });
});
