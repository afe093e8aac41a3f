/**
 * `${VAR}` and `${VAR:-default}` expansion. A variable that is unset (and has no default) is an
 * error naming it — never a silent empty string, which is how other clients hide broken tokens.
 * A variable set to the empty string counts as unset (as `:-` does in a shell).
 * `$${` escapes a literal `${`.
 */
const pattern = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface MissingVariable {
  variable: string;
}

/** Every variable name referenced in `value` (escaped `$${...}` excluded). */
export function referencedVariables(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(pattern)) if (!m[1]) names.push(m[2] as string);
  return names;
}

/** Expands `value`; returns the first unset variable instead of a string when one is missing. */
export function expandString(
  value: string,
  env: Record<string, string | undefined>,
): { ok: true; value: string } | { ok: false; variable: string } {
  let missing: string | undefined;
  const out = value.replace(pattern, (whole, escape: string, name: string, fallback?: string) => {
    if (escape) return whole.slice(1);
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing ??= name;
    return '';
  });
  return missing ? { ok: false, variable: missing } : { ok: true, value: out };
}
