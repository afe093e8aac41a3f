import { splitCommand } from './command';
import { expandString, referencedVariables } from './expand';

describe('splitCommand', () => {
  it('splits on whitespace and honours quotes', () => {
    expect(splitCommand('npx -y @scope/pkg')).toEqual(['npx', '-y', '@scope/pkg']);
    expect(splitCommand(`"/opt/my tools/server" --name 'a b' x"y z" ""`)).toEqual([
      '/opt/my tools/server',
      '--name',
      'a b',
      'xy z',
      '',
    ]);
    expect(splitCommand('say "a \\"quoted\\" word"')).toEqual(['say', 'a "quoted" word']);
    expect(() => splitCommand('say "oops')).toThrow('unterminated');
  });
});

describe('expandString', () => {
  it('expands, defaults, escapes and reports the first missing variable', () => {
    expect(expandString('${A}-${B:-dflt}-$${C}', { A: '1' })).toEqual({ ok: true, value: '1-dflt-${C}' });
    expect(expandString('${A} ${B}', { A: '' })).toEqual({ ok: false, variable: 'A' });
    expect(expandString('${A:-}', {})).toEqual({ ok: true, value: '' });
    expect(referencedVariables('${A} $${B} ${C:-x}')).toEqual(['A', 'C']);
  });
});
