/**
 * Human output helpers. Tables and the final summary go to stdout; progress lines go to stderr,
 * so `--json` keeps stdout to exactly one JSON document.
 */

export type Column<T> = { header: string; get: (row: T) => string };

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.get(row)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] as string).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** Progress lines on stderr: "→ Installing…" then "✓ Installing (1.2 s)". */
export class Progress {
  constructor(private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  start(label: string): void {
    this.write(`→ ${label}…\n`);
  }

  done(label: string, ms?: number): void {
    this.write(`✓ ${label}${ms === undefined ? '' : ` (${formatMs(ms)})`}\n`);
  }

  fail(label: string, detail?: string): void {
    this.write(`✗ ${label}${detail ? `: ${detail}` : ''}\n`);
  }

  skip(label: string, why?: string): void {
    this.write(`- ${label} skipped${why ? `: ${why}` : ''}\n`);
  }

  info(text: string): void {
    this.write(`${text}\n`);
  }
}
