/**
 * Gemini generateContent (`POST /v1beta/models/{model}:generateContent`) and its stream
 * (`:streamGenerateContent?alt=sse`), where every chunk carries the cumulative usageMetadata.
 */
import { sse, split, type FakeFormat, type FakeTurn } from './fake-turn';

function parts(turn: FakeTurn) {
  const result: Record<string, unknown>[] = [];
  if (turn.reasoningText !== undefined) result.push({ text: turn.reasoningText, thought: true });
  if (turn.text !== undefined) result.push({ text: turn.text });
  for (const call of turn.toolCalls ?? [])
    result.push({ functionCall: { name: call.name, args: call.input } });
  return result;
}

export const geminiFormat: FakeFormat = {
  body(turn, model) {
    return {
      candidates: [{ content: { role: 'model', parts: parts(turn) }, finishReason: 'STOP', index: 0 }],
      ...(turn.usage ? { usageMetadata: turn.usage } : {}),
      modelVersion: model,
      responseId: 'resp-fake-1',
    };
  },
  frames(turn, model) {
    const frames: string[] = [];
    const usage = turn.usage;
    const deltas: Record<string, unknown>[][] = [];
    if (turn.reasoningText !== undefined) deltas.push([{ text: turn.reasoningText, thought: true }]);
    for (const text of split(turn.text ?? '', turn.chunkSize ?? 4)) deltas.push([{ text }]);
    for (const call of turn.toolCalls ?? [])
      deltas.push([{ functionCall: { name: call.name, args: call.input } }]);
    deltas.forEach((chunkParts, i) => {
      const last = i === deltas.length - 1;
      frames.push(
        sse({
          candidates: [
            {
              content: { role: 'model', parts: chunkParts },
              ...(last ? { finishReason: 'STOP' } : {}),
              index: 0,
            },
          ],
          // Intermediate chunks report the prompt side; the last one the full usage.
          ...(usage
            ? {
                usageMetadata: last
                  ? usage
                  : {
                      promptTokenCount: usage.promptTokenCount,
                      cachedContentTokenCount: usage.cachedContentTokenCount,
                      totalTokenCount: usage.promptTokenCount,
                    },
              }
            : {}),
          modelVersion: model,
          responseId: 'resp-fake-1',
        }),
      );
    });
    return frames;
  },
  errorBody(status, message) {
    const statusName = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : 'INTERNAL';
    return { error: { code: status, message, status: statusName } };
  },
};
