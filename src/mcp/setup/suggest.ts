/**
 * "Did you mean" for server, chain and catalog names: a typo within a small edit distance,
 * or a name that starts with what was typed, is offered back to the user.
 */
import { AppError } from '../../shared/errors';

export function suggestNames(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return candidates
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = lower.startsWith(needle) || lower.includes(needle) ? 0 : editDistance(needle, lower);
      return { name, distance };
    })
    .filter((c) => c.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((c) => c.name);
}

/** The NOT_FOUND error every command throws for an unknown name, with suggestions and the known names. */
export function unknownNameError(kind: string, name: string, candidates: readonly string[]): AppError {
  const suggestions = suggestNames(name, candidates);
  const hint =
    suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
  const known = candidates.length > 0 ? ` Known: ${candidates.join(', ')}.` : ` None are configured yet.`;
  return new AppError('NOT_FOUND', `Unknown ${kind} "${name}".${hint}${known}`, {
    details: { name, suggestions },
  });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
