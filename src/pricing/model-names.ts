/**
 * Model-name normalisation for price lookup. Providers accept dated snapshot names
 * (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`), `-latest` pointers, numbered revisions
 * (`gemini-2.0-flash-001`) and Gemini's `models/` prefix. We strip exactly those decorations and
 * never do prefix matching, so `gpt-4o-mini` can never be priced as `gpt-4o`.
 */
const SUFFIXES = [/-\d{4}-\d{2}-\d{2}$/, /-\d{8}$/, /-latest$/, /-\d{3}$/];

/** Names to try, most specific first: the name as given, then with one decoration removed at a time. */
export function candidateModelNames(model: string): string[] {
  let name = model
    .trim()
    .toLowerCase()
    .replace(/^models\//, '');
  const names = [name];
  for (let changed = true; changed;) {
    changed = false;
    for (const suffix of SUFFIXES) {
      const stripped = name.replace(suffix, '');
      if (stripped !== name && stripped.length > 0) {
        name = stripped;
        names.push(name);
        changed = true;
      }
    }
  }
  return names;
}
