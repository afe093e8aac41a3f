/**
 * What one model call of a tool loop sends, as texts the estimator counts: every message (text
 * as is; tool calls, tool results and other parts as their JSON, which over-counts their framing
 * a little: the safe side for a worst case) and every tool definition (name, description and
 * JSON schema, which providers send with each call).
 */
import { asSchema, type ModelMessage, type ToolSet } from 'ai';

function messageTexts(message: ModelMessage): string[] {
  if (typeof message.content === 'string') return [message.content];
  return message.content.map((part) =>
    part.type === 'text' || part.type === 'reasoning' ? part.text : JSON.stringify(part),
  );
}

/** One text per message part, so a long tool result keeps its own (cached) token count. */
export function stepMessageTexts(messages: ModelMessage[]): string[] {
  return messages.flatMap(messageTexts);
}

/** A loop's tools are the same for every call: their texts are worked out once per tool set. */
const toolTexts = new WeakMap<ToolSet, Promise<string[]>>();

export function toolDefinitionTexts(tools: ToolSet | undefined): Promise<string[]> {
  if (!tools) return Promise.resolve([]);
  let texts = toolTexts.get(tools);
  if (!texts) {
    texts = Promise.all(
      Object.entries(tools).map(async ([name, tool]) =>
        JSON.stringify({
          name,
          description: tool.description ?? '',
          parameters: tool.inputSchema ? await asSchema(tool.inputSchema).jsonSchema : {},
        }),
      ),
    );
    toolTexts.set(tools, texts);
  }
  return texts;
}
