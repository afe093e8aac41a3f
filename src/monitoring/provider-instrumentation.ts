/**
 * Providers: wraps a ChatRunner so every call records latency per provider/model,
 * errors by code, and for streams the time to the first text token. Consumers keep
 * the ChatRunner type, so nothing downstream changes.
 */
import type { ChatRequest, ChatResult, ChatRunner, ChatStreamEvent } from '../providers/chat-runner';
import { errorCodeOf, type Instruments } from './instruments';

export function instrumentChatRunner(runner: ChatRunner, instruments: Instruments): ChatRunner {
  const subjectOf = (request: ChatRequest) => `${request.provider}/${request.model}`;
  const wrapped = Object.create(runner) as ChatRunner;
  wrapped.generate = (request) =>
    instruments.time('provider_latency', subjectOf(request), () => runner.generate(request));
  wrapped.stream = async function* (request: ChatRequest): AsyncGenerator<ChatStreamEvent, ChatResult> {
    const subject = subjectOf(request);
    const started = instruments.timer();
    let firstToken = false;
    try {
      const source = runner.stream(request);
      for (;;) {
        const next = await source.next();
        if (next.done) {
          instruments.record('provider_latency', subject, instruments.timer() - started);
          return next.value;
        }
        if (!firstToken && next.value.type === 'text-delta') {
          firstToken = true;
          instruments.record('provider_ttft', subject, instruments.timer() - started);
        }
        yield next.value;
      }
    } catch (error) {
      instruments.record('provider_latency', subject, instruments.timer() - started, errorCodeOf(error));
      throw error;
    }
  };
  return wrapped;
}
