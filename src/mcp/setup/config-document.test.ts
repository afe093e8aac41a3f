import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpConfigDocument } from './config-document';

async function doc(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'doc-'));
  const file = path.join(dir, '.mcp.json');
  writeFileSync(file, text);
  return McpConfigDocument.read(file);
}

describe('McpConfigDocument', () => {
  it('keeps CRLF line endings and 4-space indentation when adding', async () => {
    const d = await doc('{\r\n    "mcpServers": {\r\n        "a": { "command": "x" }\r\n    }\r\n}\r\n');
    d.upsertServer('b', { transport: 'stdio', command: 'y', args: ['--v'] });
    expect(d.toString()).toBe(
      '{\r\n    "mcpServers": {\r\n        "a": { "command": "x" },\r\n        "b": {\r\n            "type": "stdio",\r\n' +
        '            "command": "y",\r\n            "args": [\r\n                "--v"\r\n            ]\r\n        }\r\n    }\r\n}\r\n',
    );
  });

  it('adds the first server to an empty section and removes the only one cleanly', async () => {
    const d = await doc('{\n  "mcpServers": {}\n}\n');
    d.upsertServer('a', { transport: 'http', url: 'https://h/mcp' });
    expect(JSON.parse(d.toString())).toEqual({ mcpServers: { a: { type: 'http', url: 'https://h/mcp' } } });
    d.removeServer('a');
    expect(JSON.parse(d.toString())).toEqual({ mcpServers: {} });
  });

  it('an update switches a stdio entry to a URL, dropping command/args and keeping other keys', async () => {
    const d = await doc(
      '{"servers": {"a": {"type": "external", "command": "x", "args": [], "config": {"k": 1}}}}',
    );
    expect(d.upsertServer('a', { transport: 'http', url: 'https://h/mcp', headers: { A: '${T}' } })).toBe(
      'updated',
    );
    expect(JSON.parse(d.toString()).servers.a).toEqual({
      type: 'http',
      config: { k: 1 },
      url: 'https://h/mcp',
      headers: { A: '${T}' },
    });
  });

  it('prefers the form most servers already use when a file has both', async () => {
    const d = await doc(
      '{"servers": {"a": {"command": "x"}, "b": {"command": "y"}}, "mcpServers": {"c": {"command": "z"}}}',
    );
    d.upsertServer('n', { transport: 'stdio', command: 'n' });
    expect(JSON.parse(d.toString()).servers.n).toEqual({
      type: 'external',
      command: 'n',
      args: [],
      enabled: true,
    });
    expect(d.serverNames()).toEqual(['a', 'b', 'n', 'c']);
  });

  it('detaching a server removes pre-steps that use it', async () => {
    const d = await doc(
      JSON.stringify({
        mcpServers: { a: { command: 'x' }, b: { command: 'y' } },
        chains: {
          c: {
            servers: ['b'],
            preSteps: [
              { server: 'a', tool: 't' },
              { server: 'b', tool: 'u' },
            ],
          },
        },
      }),
    );
    expect(d.chainsReferencing('a')).toEqual(['c']);
    d.removeServer('a');
    expect(d.detachFromChains('a')).toEqual({ updated: ['c'], removed: [] });
    expect(JSON.parse(d.toString()).chains.c.preSteps).toEqual([{ server: 'b', tool: 'u' }]);
    d.validate();
  });

  it('reads a missing file as an empty config', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doc-'));
    const d = await McpConfigDocument.read(path.join(dir, '.mcp.json'));
    expect(d.existed).toBe(false);
    expect(d.serverNames()).toEqual([]);
  });
});
