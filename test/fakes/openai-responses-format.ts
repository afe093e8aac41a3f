/** OpenAI Responses API (`POST /v1/responses`), plain and streamed (`stream: true`). */
import { sse, split, type FakeFormat, type FakeTurn } from './fake-turn';

function outputItems(turn: FakeTurn) {
  const items: Record<string, unknown>[] = [];
  if (turn.reasoningText !== undefined) {
    items.push({ type: 'reasoning', id: 'rs_fake_1', summary: [] });
  }
  if (turn.text !== undefined) {
    items.push({
      type: 'message',
      id: 'msg_fake_1',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: turn.text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of turn.toolCalls ?? []) {
    items.push({
      type: 'function_call',
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.name,
      arguments: JSON.stringify(call.input),
      status: 'completed',
    });
  }
  return items;
}

function response(turn: FakeTurn, model: string, status: string, withUsage: boolean) {
  return {
    id: 'resp_fake_1',
    object: 'response',
    created_at: 1_730_000_000,
    status,
    error: null,
    incomplete_details: null,
    model,
    output: status === 'completed' ? outputItems(turn) : [],
    usage: withUsage ? (turn.usage ?? null) : null,
  };
}

export const openAiResponsesFormat: FakeFormat = {
  body(turn, model) {
    return response(turn, model, 'completed', true);
  },
  frames(turn, model) {
    let seq = 0;
    const ev = (type: string, data: Record<string, unknown>) =>
      sse({ type, sequence_number: seq++, ...data });
    const frames = [ev('response.created', { response: response(turn, model, 'in_progress', false) })];
    outputItems(turn).forEach((item, outputIndex) => {
      if (item.type === 'message') {
        frames.push(
          ev('response.output_item.added', {
            output_index: outputIndex,
            item: { type: 'message', id: item.id, status: 'in_progress', role: 'assistant', content: [] },
          }),
        );
        for (const delta of split(turn.text ?? '', turn.chunkSize ?? 4)) {
          frames.push(
            ev('response.output_text.delta', {
              item_id: item.id,
              output_index: outputIndex,
              content_index: 0,
              delta,
              logprobs: [],
            }),
          );
        }
      } else {
        frames.push(ev('response.output_item.added', { output_index: outputIndex, item }));
      }
      frames.push(ev('response.output_item.done', { output_index: outputIndex, item }));
    });
    frames.push(ev('response.completed', { response: response(turn, model, 'completed', true) }));
    return frames;
  },
  errorBody(status, message) {
    return {
      error: { message, type: status === 429 ? 'requests' : 'server_error', param: null, code: null },
    };
  },
  errorFrame(message) {
    return sse({ type: 'error', sequence_number: 999, code: 'server_error', message, param: null });
  },
};
