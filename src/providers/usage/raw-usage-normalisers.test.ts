import { toModelCall } from '../model-call';
import { addUsage, makeUsage, promptTokens, totalTokens } from './normalised-usage';
import { normaliseRawUsage, UsageFormatError } from './raw-usage-normalisers';
import { createStreamUsageTracker, usageFromResponseBody } from './stream-usage-tracker';

describe('normaliseRawUsage edge cases', () => {
  it('refuses usage that is not in the API format, naming the field', () => {
    expect(() => normaliseRawUsage('openai-chat', { prompt_tokens: 'ten' })).toThrow(UsageFormatError);
    expect(() => normaliseRawUsage('anthropic', { input_tokens: -1 })).toThrow(/input_tokens/);
  });

  it('clamps inconsistent provider numbers instead of producing negative counts', () => {
    // cached larger than the prompt total: never a negative uncached count
    expect(
      normaliseRawUsage('openai-chat', { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 12 } })
        .inputUncached,
    ).toBe(0);
    expect(makeUsage({ output: 2.6, reasoning: Number.NaN, cacheRead: undefined })).toMatchObject({
      output: 3,
      reasoning: 0,
      cacheRead: 0,
    });
  });

  it('reads Anthropic thinking-token details and a 5m/1h split without a total', () => {
    expect(
      normaliseRawUsage('anthropic', {
        input_tokens: 5,
        output_tokens: 100,
        output_tokens_details: { thinking_tokens: 60 },
        cache_creation: { ephemeral_5m_input_tokens: 7, ephemeral_1h_input_tokens: 3 },
      }),
    ).toEqual({
      inputUncached: 5,
      cacheRead: 0,
      cacheWrite5m: 7,
      cacheWrite1h: 3,
      output: 40,
      reasoning: 60,
    });
  });

  it('reads OpenAI cache-write details where a compatible server reports them', () => {
    expect(
      normaliseRawUsage('openai-responses', {
        input_tokens: 100,
        output_tokens: 5,
        input_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
      }),
    ).toMatchObject({ inputUncached: 50, cacheRead: 20, cacheWrite5m: 30 });
  });

  it('adds and totals usage', () => {
    const a = makeUsage({
      inputUncached: 1,
      cacheRead: 2,
      cacheWrite5m: 3,
      cacheWrite1h: 4,
      output: 5,
      reasoning: 6,
    });
    expect(promptTokens(a)).toBe(10);
    expect(totalTokens(addUsage(a, a))).toBe(42);
  });
});

describe('toModelCall fallbacks', () => {
  it('uses the AI SDK totals when the provider sent no raw usage, and says so', () => {
    const call = toModelCall(
      'openai-chat',
      0,
      {
        inputTokens: 100,
        inputTokenDetails: { noCacheTokens: undefined, cacheReadTokens: 40, cacheWriteTokens: undefined },
        outputTokens: 30,
        outputTokenDetails: { textTokens: undefined, reasoningTokens: 10 },
        totalTokens: 130,
      },
      { finishReason: 'stop' },
    );
    expect(call).toMatchObject({
      usageSource: 'sdk',
      rawUsage: null,
      usage: { inputUncached: 60, cacheRead: 40, output: 20, reasoning: 10 },
    });
  });

  it('flags a call with no usage at all as missing rather than free', () => {
    const call = toModelCall('google', 2, undefined, { finishReason: 'stop' });
    expect(call).toMatchObject({ index: 2, usageSource: 'missing', usage: makeUsage({}) });
  });
});

describe('stream usage tracker', () => {
  it('keeps message_start counts when message_delta repeats them as null', () => {
    const tracker = createStreamUsageTracker('anthropic');
    tracker.observe('not an object');
    tracker.observe({ type: 'message_delta', usage: { output_tokens: 3 } });
    tracker.observe({
      type: 'message_start',
      message: { usage: { input_tokens: 9, cache_read_input_tokens: 4 } },
    });
    tracker.observe({ type: 'message_delta', usage: { output_tokens: 12, cache_read_input_tokens: null } });
    expect(tracker.current()).toEqual({ input_tokens: 9, cache_read_input_tokens: 4, output_tokens: 12 });
  });

  it('follows each API’s usage-bearing chunks', () => {
    const chat = createStreamUsageTracker('openai-chat');
    chat.observe({ choices: [] });
    expect(chat.current()).toBeUndefined();
    chat.observe({ usage: { prompt_tokens: 1 } });
    expect(chat.current()).toEqual({ prompt_tokens: 1 });
    const responses = createStreamUsageTracker('openai-responses');
    responses.observe({ type: 'response.failed', response: { usage: { input_tokens: 5 } } });
    expect(responses.current()).toEqual({ input_tokens: 5 });
    const mock = createStreamUsageTracker('normalised');
    mock.observe({ usage: { inputUncached: 2 } });
    expect(mock.current()).toEqual({ inputUncached: 2 });
  });

  it('finds usage in complete response bodies', () => {
    expect(usageFromResponseBody('google', { usageMetadata: { promptTokenCount: 1 } })).toEqual({
      promptTokenCount: 1,
    });
    expect(usageFromResponseBody('anthropic', { usage: { input_tokens: 1 } })).toEqual({ input_tokens: 1 });
    expect(usageFromResponseBody('openai-chat', 'text')).toBeUndefined();
    expect(usageFromResponseBody('google', {})).toBeUndefined();
  });
});
