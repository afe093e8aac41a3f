/** Anthropic messages (`POST /v1/messages`), plain and streamed (`stream: true`). */
import { sse, split, type FakeFormat, type FakeTurn } from './fake-turn';

function content(turn: FakeTurn) {
  const blocks: Record<string, unknown>[] = [];
  if (turn.reasoningText !== undefined) {
    blocks.push({ type: 'thinking', thinking: turn.reasoningText, signature: 'sig-fake' });
  }
  if (turn.text !== undefined) blocks.push({ type: 'text', text: turn.text });
  for (const call of turn.toolCalls ?? [])
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  return blocks;
}

const stopReason = (turn: FakeTurn) => (turn.toolCalls?.length ? 'tool_use' : 'end_turn');

export const anthropicFormat: FakeFormat = {
  body(turn, model) {
    return {
      id: 'msg_fake_1',
      type: 'message',
      role: 'assistant',
      model,
      content: content(turn),
      stop_reason: stopReason(turn),
      stop_sequence: null,
      usage: turn.usage ?? {},
    };
  },
  frames(turn, model) {
    const usage = turn.usage ?? {};
    // message_start carries input-side usage and a placeholder output count; message_delta the final output.
    const startUsage = { ...usage, output_tokens: 1 };
    const frames = [
      sse(
        {
          type: 'message_start',
          message: {
            id: 'msg_fake_1',
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: startUsage,
          },
        },
        'message_start',
      ),
    ];
    content(turn).forEach((block, index) => {
      if (block.type === 'thinking') {
        frames.push(
          sse(
            {
              type: 'content_block_start',
              index,
              content_block: { type: 'thinking', thinking: '', signature: '' },
            },
            'content_block_start',
          ),
        );
        frames.push(
          sse(
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'thinking_delta', thinking: block.thinking },
            },
            'content_block_delta',
          ),
        );
        frames.push(
          sse(
            { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig-fake' } },
            'content_block_delta',
          ),
        );
      } else if (block.type === 'text') {
        frames.push(
          sse(
            { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
            'content_block_start',
          ),
        );
        for (const text of split(String(block.text), turn.chunkSize ?? 4)) {
          frames.push(
            sse(
              { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
              'content_block_delta',
            ),
          );
        }
      } else {
        frames.push(
          sse(
            {
              type: 'content_block_start',
              index,
              content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
            },
            'content_block_start',
          ),
        );
        frames.push(
          sse(
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
            },
            'content_block_delta',
          ),
        );
      }
      frames.push(sse({ type: 'content_block_stop', index }, 'content_block_stop'));
    });
    frames.push(
      sse(
        {
          type: 'message_delta',
          delta: { stop_reason: stopReason(turn), stop_sequence: null },
          usage: { output_tokens: usage.output_tokens ?? 0 },
        },
        'message_delta',
      ),
    );
    frames.push(sse({ type: 'message_stop' }, 'message_stop'));
    return frames;
  },
  errorBody(status, message) {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
    return { type: 'error', error: { type, message } };
  },
  errorFrame(message) {
    return sse({ type: 'error', error: { type: 'overloaded_error', message } }, 'error');
  },
};
