/**
 * Reads `.mcp.json` text as JSON with comments (and trailing commas), reporting syntax errors with
 * line and column, and duplicate server or chain names — which plain JSON parsing silently merges.
 */
import { parseTree, printParseErrorCode, getNodeValue, type Node, type ParseError } from 'jsonc-parser';
import { McpConfigError } from './errors';

const namedSections = ['servers', 'mcpServers', 'chains'] as const;

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

export function parseConfigText(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first || !root) {
    const where = first ? lineCol(text, first.offset) : 'line 1, column 1';
    const what = first ? printParseErrorCode(first.error) : 'empty file';
    throw new McpConfigError(`malformed JSON at ${where}: ${what}`, { file });
  }
  if (root.type !== 'object') throw new McpConfigError('the top level must be a JSON object', { file });
  checkDuplicates(root, file);
  return getNodeValue(root) as unknown;
}

function propertyNames(node: Node | undefined): string[] {
  if (!node || node.type !== 'object') return [];
  return (node.children ?? []).map((p) => String(p.children?.[0]?.value));
}

function checkDuplicates(root: Node, file: string): void {
  const sections = new Map<string, Node | undefined>();
  for (const prop of root.children ?? []) {
    const key = String(prop.children?.[0]?.value);
    if (sections.has(key)) throw new McpConfigError(`duplicate top-level key "${key}"`, { file, field: key });
    sections.set(key, prop.children?.[1]);
  }
  const serverOwner = new Map<string, string>();
  for (const section of namedSections) {
    const seen = new Set<string>();
    for (const name of propertyNames(sections.get(section))) {
      if (seen.has(name)) {
        throw new McpConfigError(`duplicate name "${name}" in "${section}"`, {
          file,
          server: name,
          field: `${section}.${name}`,
        });
      }
      seen.add(name);
      if (section === 'chains') continue;
      const other = serverOwner.get(name);
      if (other) {
        throw new McpConfigError(`server "${name}" is defined in both "${other}" and "${section}"`, {
          file,
          server: name,
          field: `${section}.${name}`,
        });
      }
      serverOwner.set(name, section);
    }
  }
}
