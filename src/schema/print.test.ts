import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, printAppSchema } from './print';

describe('schema:print', () => {
  it('prints the code-first schema with the shared scalars and auth fields', () => {
    const sdl = printAppSchema();
    expect(sdl).toMatch(/scalar Decimal/);
    expect(sdl).toMatch(/scalar DateTime/);
    expect(sdl).toMatch(/me: Me!/);
    expect(sdl).toMatch(/revokeApiKey\(id: ID!\): ApiKey!/);
  });

  it('writes the file, and --check reports whether it is current', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const file = join(dir, 'schema.graphql');
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(main(['--check'], file)).toBe(1);
      expect(main([], file)).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(printAppSchema());
      expect(main(['--check'], file)).toBe(0);
      writeFileSync(file, 'type Query { stale: Int }\n');
      expect(main(['--check'], file)).toBe(1);
      expect(err).toHaveBeenCalledWith(expect.stringMatching(/out of date/));
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
