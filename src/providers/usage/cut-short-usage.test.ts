import { tokenCounterFor } from '../../shared/tokenizer';
import { toModelCall } from '../model-call';
import { countCutShort, cutShortModelCall } from './cut-short-usage';

const openai = tokenCounterFor('openai', 'gpt-4o');
const call = {
  provider: 'openai',
  model: 'gpt-4o',
  system: 'Answer in one line.',
  messages: [{ role: 'user' as const, content: 'What is the capital of France?' }],
  earlierSteps: '',
  streamed: 'The capital of',
};

describe('countCutShort', () => {
  it('counts the prompt with framing, and what was streamed, with the model family tokenizer', () => {
    expect(countCutShort(call)).toEqual({
      input: 3 + openai.count(call.system) + 4 + openai.count('What is the capital of France?') + 4,
      output: openai.count('The capital of'),
    });
  });

  it('counts earlier tool-loop steps as prompt, and errs high for families without their tokenizer', () => {
    const withSteps = countCutShort({ ...call, earlierSteps: '{"city":"Paris"}' });
    expect(withSteps.input).toBe(countCutShort(call).input + openai.count('{"city":"Paris"}') + 4);
    const claude = countCutShort({ ...call, provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(claude.output).toBeGreaterThan(countCutShort(call).output);
  });
});

describe('cutShortModelCall', () => {
  const counted = { input: 40, output: 12 };

  it('records our count, flagged estimated and partial, when the provider reported nothing', () => {
    expect(cutShortModelCall(undefined, counted, 0, 'abandoned')).toEqual({
      index: 0,
      usage: { inputUncached: 40, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 12, reasoning: 0 },
      rawUsage: null,
      usageSource: 'estimated',
      partial: true,
      finishReason: 'abandoned',
      responseId: undefined,
      responseModel: undefined,
    });
  });

  it('keeps the input the provider reported (message_start) and adds the output streamed since', () => {
    const reported = toModelCall('anthropic', 1, undefined, {
      finishReason: 'abandoned',
      partial: true,
      raw: { input_tokens: 900, cache_read_input_tokens: 100, output_tokens: 1 },
    });
    expect(cutShortModelCall(reported, counted, 1, 'abandoned')).toMatchObject({
      index: 1,
      usage: { inputUncached: 900, cacheRead: 100, output: 12 },
      rawUsage: { input_tokens: 900 },
      usageSource: 'estimated',
      partial: true,
    });
  });

  it('keeps the provider figures as they are when they cover the prompt and the streamed text', () => {
    const reported = toModelCall('google', 0, undefined, {
      finishReason: 'abandoned',
      raw: { promptTokenCount: 30, candidatesTokenCount: 20, totalTokenCount: 50 },
    });
    expect(cutShortModelCall(reported, counted, 0, 'abandoned')).toMatchObject({
      usage: { inputUncached: 30, output: 20 },
      usageSource: 'raw',
      partial: true,
    });
  });
});
