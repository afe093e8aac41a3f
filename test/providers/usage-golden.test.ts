/**
 * Golden tests: real AI SDK providers talk to loopback servers answering in each API's real
 * format, and the usage we record must match the numbers worked out by hand from the raw usage.
 * Each case runs generated and streamed.
 */
import type { ChatResult, ChatRunner } from '../../src/providers/chat-runner';
import type { NormalisedUsage } from '../../src/providers/usage/normalised-usage';
import type { FakeApi, FakeTurn } from '../fakes/fake-turn';
import { startFakeProviders, type FakeProviderServer } from '../fakes/fake-provider-server';
import { runnerFor, userMessage } from './provider-harness';

let fake: FakeProviderServer;
let chatRunner: ChatRunner;
let responsesRunner: ChatRunner;

beforeAll(async () => {
  fake = await startFakeProviders();
  chatRunner = runnerFor(fake, { OPENAI_API_MODE: 'chat' }).runner;
  responsesRunner = runnerFor(fake).runner;
});
afterAll(() => fake.stop());

async function run(
  runner: ChatRunner,
  provider: string,
  model: string,
  streamed: boolean,
): Promise<ChatResult> {
  const request = { provider, model, messages: userMessage('Hello there') };
  if (!streamed) return runner.generate(request);
  let final: ChatResult | undefined;
  let text = '';
  for await (const event of runner.stream(request)) {
    if (event.type === 'text-delta') text += event.text;
    if (event.type === 'finish') final = event.result;
  }
  expect(text).toBe(final?.text);
  return final!;
}

interface GoldenCase {
  name: string;
  api: FakeApi;
  provider: string;
  model: string;
  runner: () => ChatRunner;
  turn: FakeTurn;
  expected: NormalisedUsage;
}

const cases: GoldenCase[] = [
  {
    name: 'OpenAI chat completions: prompt_tokens includes cached_tokens, completion includes reasoning',
    api: 'openai-chat',
    provider: 'openai',
    model: 'o4-mini',
    runner: () => chatRunner,
    turn: {
      text: 'Cached answer.',
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 192,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    },
    // 2006 - 1920 = 86 uncached; 300 - 192 = 108 visible output
    expected: {
      inputUncached: 86,
      cacheRead: 1920,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 108,
      reasoning: 192,
    },
  },
  {
    name: 'OpenAI Responses API: input_tokens includes cached, output includes reasoning',
    api: 'openai-responses',
    provider: 'openai',
    model: 'o3',
    runner: () => responsesRunner,
    turn: {
      text: 'Reasoned answer.',
      reasoningText: '',
      usage: {
        input_tokens: 5000,
        input_tokens_details: { cached_tokens: 4096 },
        output_tokens: 1200,
        output_tokens_details: { reasoning_tokens: 1024 },
        total_tokens: 6200,
      },
    },
    // 5000 - 4096 = 904 uncached; 1200 - 1024 = 176 visible output
    expected: {
      inputUncached: 904,
      cacheRead: 4096,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 176,
      reasoning: 1024,
    },
  },
  {
    name: 'Anthropic: input_tokens excludes cache reads and writes; writes split by TTL',
    api: 'anthropic',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    runner: () => responsesRunner,
    turn: {
      text: 'From the cache.',
      usage: {
        input_tokens: 12,
        cache_creation_input_tokens: 3000,
        cache_read_input_tokens: 20000,
        cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
        output_tokens: 450,
        service_tier: 'standard',
      },
    },
    expected: {
      inputUncached: 12,
      cacheRead: 20000,
      cacheWrite5m: 1000,
      cacheWrite1h: 2000,
      output: 450,
      reasoning: 0,
    },
  },
  {
    name: 'Anthropic without a TTL split: every cache write is a 5 minute write',
    api: 'anthropic',
    provider: 'anthropic',
    model: 'claude-3-5-haiku-latest',
    runner: () => responsesRunner,
    turn: {
      text: 'Thought about it.',
      reasoningText: 'Let me think.',
      usage: {
        input_tokens: 40,
        cache_creation_input_tokens: 500,
        cache_read_input_tokens: 0,
        output_tokens: 90,
      },
    },
    expected: {
      inputUncached: 40,
      cacheRead: 0,
      cacheWrite5m: 500,
      cacheWrite1h: 0,
      output: 90,
      reasoning: 0,
    },
  },
  {
    name: 'Gemini: promptTokenCount includes cachedContentTokenCount; thoughts are reasoning',
    api: 'google',
    provider: 'google',
    model: 'gemini-2.5-pro',
    runner: () => responsesRunner,
    turn: {
      text: 'Gemini answer.',
      reasoningText: 'thinking...',
      usage: {
        promptTokenCount: 10000,
        cachedContentTokenCount: 8000,
        candidatesTokenCount: 250,
        thoughtsTokenCount: 700,
        totalTokenCount: 10950,
      },
    },
    // 10000 - 8000 = 2000 uncached; candidates exclude thoughts
    expected: {
      inputUncached: 2000,
      cacheRead: 8000,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 250,
      reasoning: 700,
    },
  },
  {
    name: 'Gemini: tool-use prompt tokens are billed input',
    api: 'google',
    provider: 'google',
    model: 'gemini-2.5-flash',
    runner: () => responsesRunner,
    turn: {
      text: 'Searched.',
      usage: {
        promptTokenCount: 100,
        toolUsePromptTokenCount: 30,
        candidatesTokenCount: 20,
        totalTokenCount: 150,
      },
    },
    expected: {
      inputUncached: 130,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 20,
      reasoning: 0,
    },
  },
  {
    name: 'OpenAI-compatible endpoint (chat format, DeepSeek-style cache hits)',
    api: 'openai-chat',
    provider: 'local',
    model: 'llama-3',
    runner: () => responsesRunner,
    turn: {
      text: 'Local.',
      usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960, prompt_cache_hit_tokens: 512 },
    },
    expected: {
      inputUncached: 388,
      cacheRead: 512,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 60,
      reasoning: 0,
    },
  },
];

describe.each([false, true])('normalised usage (streamed: %s)', (streamed) => {
  it.each(cases)('$name', async (c) => {
    fake.enqueue(c.api, c.turn);
    const before = fake.requests.length;
    const result = await run(c.runner(), c.provider, c.model, streamed);
    const request = fake.requests[before]!;
    expect(request.api).toBe(c.api);
    expect(request.stream).toBe(streamed);
    expect(result.calls).toHaveLength(1);
    expect(result.calls[0]).toMatchObject({ usageSource: 'raw', partial: false, usage: c.expected });
    expect(result.usage).toEqual(c.expected);
    expect(result.text).toBe(c.turn.text);
  });
});

it('sends the configured key to each provider and never the other providers’ keys', async () => {
  const before = fake.requests.length;
  await responsesRunner.generate({
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    messages: userMessage('hi'),
  });
  await responsesRunner.generate({
    provider: 'google',
    model: 'gemini-2.5-flash',
    messages: userMessage('hi'),
  });
  const [anthropic, google] = fake.requests.slice(before);
  expect(anthropic?.headers['x-api-key']).toBe('sk-test-anthropic');
  expect(google?.headers['x-goog-api-key']).toBe('test-google');
  expect(JSON.stringify(anthropic?.headers)).not.toContain('sk-test-openai');
});
