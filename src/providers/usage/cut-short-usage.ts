/**
 * The usage of a streamed model call cut short because its client went away (the consumer stopped
 * reading, or the caller aborted). The provider charges for what it processed, but many report usage
 * only at the end of a stream, so such a call may have reported nothing, or only its input
 * (Anthropic's message_start). We record what it consumed: the provider's numbers where they cover
 * it, otherwise our own count of the prompt and of the text streamed so far, flagged `estimated`
 * so it is never mistaken for a provider's figure, and never recorded as $0. Counted like budget
 * holds (same tokenizer and margin, same framing), so an estimate errs high rather than low.
 */
import type { ModelMessage } from 'ai';

import { countPromptTokens, tokenCounterFor } from '../../shared/tokenizer';
import type { ModelCall } from '../model-call';
import { makeUsage, promptTokens } from './normalised-usage';

export interface CutShortCall {
  provider: string;
  model: string;
  system?: string;
  messages: ModelMessage[];
  /** Earlier steps of a tool loop (their text, tool calls and results): part of this call's prompt. */
  earlierSteps: string;
  /** What this call had streamed when it was cut (text, reasoning and tool-call arguments). */
  streamed: string;
}

const textOf = (message: ModelMessage) =>
  typeof message.content === 'string' ? message.content : JSON.stringify(message.content);

/** Our count of a cut-short call's input and output tokens. */
export function countCutShort(call: CutShortCall): { input: number; output: number } {
  const texts = [
    ...(call.system ? [call.system] : []),
    ...call.messages.map(textOf),
    ...(call.earlierSteps ? [call.earlierSteps] : []),
  ];
  return {
    // Framed as the budget estimate frames it (one function counts both).
    input: countPromptTokens(call.provider, call.model, texts),
    output: tokenCounterFor(call.provider, call.model).count(call.streamed),
  };
}

/**
 * The call as recorded: what the provider reported (if anything) where it covers the prompt and
 * the streamed output, our count where it falls short.
 */
export function cutShortModelCall(
  reported: ModelCall | undefined,
  counted: { input: number; output: number },
  index: number,
  finishReason: string,
): ModelCall {
  if (!reported || reported.usageSource === 'missing') {
    return {
      index,
      usage: makeUsage({ inputUncached: counted.input, output: counted.output }),
      rawUsage: reported?.rawUsage ?? null,
      usageSource: 'estimated',
      partial: true,
      finishReason,
      responseId: reported?.responseId,
      responseModel: reported?.responseModel,
    };
  }
  const usage = reported.usage;
  const inputShort = promptTokens(usage) === 0;
  const outputShort = usage.output + usage.reasoning < counted.output;
  if (!inputShort && !outputShort) return { ...reported, partial: true };
  return {
    ...reported,
    partial: true,
    usageSource: 'estimated',
    usage: {
      ...usage,
      inputUncached: inputShort ? counted.input : usage.inputUncached,
      output: outputShort ? counted.output - usage.reasoning : usage.output,
    },
  };
}
