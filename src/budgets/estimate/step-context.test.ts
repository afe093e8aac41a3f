import { jsonSchema, tool, type ModelMessage } from 'ai';

import { stepMessageTexts, toolDefinitionTexts } from './step-context';

const result = 'x'.repeat(5_000);
const messages: ModelMessage[] = [
  { role: 'user', content: 'read the file' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Reading it.' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'read_text_file', input: { path: 'a.txt' } },
    ],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'read_text_file',
        output: { type: 'text', value: result },
      },
    ],
  },
];

it('counts every part a tool step sends: text, tool calls and whole tool results', () => {
  const texts = stepMessageTexts(messages);
  expect(texts.slice(0, 2)).toEqual(['read the file', 'Reading it.']);
  expect(texts[2]).toContain('"path":"a.txt"');
  expect(texts[3]).toContain(result);
});

it('counts each tool’s name, description and JSON schema, worked out once per tool set', async () => {
  const tools = {
    read_text_file: tool({
      description: 'Read a text file',
      inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } } }),
    }),
  };
  const texts = await toolDefinitionTexts(tools);
  expect(texts).toHaveLength(1);
  expect(JSON.parse(texts[0]!)).toEqual({
    name: 'read_text_file',
    description: 'Read a text file',
    parameters: { type: 'object', properties: { path: { type: 'string' } } },
  });
  expect(toolDefinitionTexts(tools)).toBe(toolDefinitionTexts(tools));
  expect(await toolDefinitionTexts(undefined)).toEqual([]);
});
