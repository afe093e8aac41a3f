import { formatAge, formatMs, Progress, renderTable } from './output';

describe('output helpers', () => {
  it('formats durations and ages', () => {
    expect(formatMs(undefined)).toBe('-');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1500)).toBe('1.5 s');
    expect([undefined, 5_000, 120_000, 7_200_000, 172_800_000].map(formatAge)).toEqual([
      'never',
      '5s ago',
      '2m ago',
      '2h ago',
      '2d ago',
    ]);
  });

  it('aligns table columns', () => {
    const table = renderTable(
      [{ a: 'x', b: 'long value' }],
      [
        { header: 'A', get: (r) => r.a },
        { header: 'BEE', get: (r) => r.b },
      ],
    );
    expect(table).toBe('A  BEE\n-  ----------\nx  long value');
  });

  it('writes progress lines', () => {
    const lines: string[] = [];
    const p = new Progress((t) => lines.push(t));
    p.start('Install');
    p.done('Install', 1200);
    p.done('Write');
    p.fail('Test', 'boom');
    p.fail('Other');
    p.skip('Discover', '--skip-test');
    p.skip('Discover');
    p.info('note');
    expect(lines.join('')).toBe(
      '→ Install…\n✓ Install (1.2 s)\n✓ Write\n✗ Test: boom\n✗ Other\n- Discover skipped: --skip-test\n- Discover skipped\nnote\n',
    );
  });
});
