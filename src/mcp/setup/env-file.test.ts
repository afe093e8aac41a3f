import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'dotenv';
import { readEnvFile, removeEnvValues, setEnvValues, writeEnvFile } from './env-file';

describe('.env secret store', () => {
  it('replaces a variable in place, keeps comments and order, appends new ones', () => {
    const before = '# keys\nA=1\nexport B=old\n\nC=3\n';
    const after = setEnvValues(before, { B: 'new', D: 'four' });
    expect(after).toBe('# keys\nA=1\nB=new\n\nC=3\nD=four\n');
  });

  it('quotes values so dotenv reads back exactly what was stored', () => {
    const values = { SPACE: 'a b c', HASH: 'x#y', SINGLE: "it's", DQ: 'say "hi"', PLAIN: 'sk-abc_123/+=' };
    const text = setEnvValues(undefined, values);
    expect(parse(text)).toEqual(values);
  });

  it('refuses a value that cannot be stored safely, and a bad name', () => {
    expect(() => setEnvValues('', { BOTH: `it's "x"` })).toThrow(/Set BOTH in the environment instead/);
    expect(() => setEnvValues('', { NL: 'a\nb' })).toThrow(/line break/);
    expect(() => setEnvValues('', { 'BAD-NAME': 'x' })).toThrow(/not a valid environment variable name/);
  });

  it('removes variables', () => {
    expect(removeEnvValues('A=1\nB=2\n', ['A'])).toBe('B=2\n');
    expect(removeEnvValues('A=1\n', ['A'])).toBe('');
  });

  it('writes with mode 0600, also tightening an existing file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'env-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'A=1\n');
    chmodSync(file, 0o644);
    await writeEnvFile(file, 'A=2\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readEnvFile(file)).toEqual({ file, text: 'A=2\n', values: { A: '2' } });
    expect(await readEnvFile(path.join(dir, 'missing'))).toMatchObject({ text: undefined, values: {} });
  });
});
