/** OpenAI chat completions (`POST /v1/chat/completions`), plain and streamed (`stream: true`). */
import { sse, split, type FakeFormat } from './fake-turn';

const created = 1_730_000_000;

export const openAiChatFormat: FakeFormat = {
  body(turn, model) {
    return {
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: turn.text ?? null,
            refusal: null,
            ...(turn.toolCalls?.length
              ? {
                  tool_calls: turn.toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: JSON.stringify(c.input) },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: turn.toolCalls?.length ? 'tool_calls' : 'stop',
        },
      ],
      ...(turn.usage ? { usage: turn.usage } : {}),
    };
  },
  frames(turn, model) {
    const chunk = (delta: unknown, finish: string | null = null) => ({
      id: 'chatcmpl-fake-1',
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const frames = [sse(chunk({ role: 'assistant', content: '' }))];
    for (const part of split(turn.text ?? '', turn.chunkSize ?? 4))
      frames.push(sse(chunk({ content: part })));
    (turn.toolCalls ?? []).forEach((c, index) => {
      frames.push(
        sse(
          chunk({
            tool_calls: [
              {
                index,
                id: c.id,
                type: 'function',
                function: { name: c.name, arguments: JSON.stringify(c.input) },
              },
            ],
          }),
        ),
      );
    });
    frames.push(sse(chunk({}, turn.toolCalls?.length ? 'tool_calls' : 'stop')));
    // stream_options.include_usage: a last chunk with no choices carries the usage.
    if (turn.usage) {
      frames.push(
        sse({
          id: 'chatcmpl-fake-1',
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [],
          usage: turn.usage,
        }),
      );
    }
    frames.push(sse('[DONE]'));
    return frames;
  },
  errorBody(status, message) {
    return {
      error: {
        message,
        type: status === 429 ? 'requests' : 'server_error',
        param: null,
        code: status === 429 ? 'rate_limit_exceeded' : null,
      },
    };
  },
};
