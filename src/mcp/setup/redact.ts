/**
 * Redaction for anything the CLI prints about a server: commands, URLs, headers and env values.
 * `${VAR}` references are safe to show (they name a variable, not its value); literal values that
 * look like credentials, and any known secret value, are replaced by `***`.
 */
const SECRET_NAME = /(key|token|secret|password|passwd|auth|credential|bearer|cookie|session)/i;
const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;
export const REDACTED = '***';

/** Replaces every occurrence of the given secret values (e.g. from `.env`) in free text. */
export function redactKnown(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** A value stored under a name: literal secrets are hidden, references and plain settings are kept. */
export function redactValue(name: string, value: string): string {
  if (REFERENCE.test(value)) return value;
  const scheme = /^(Bearer|Basic|token)\s+(.+)$/i.exec(value);
  if (scheme) return REFERENCE.test(scheme[2] as string) ? value : `${scheme[1]} ${REDACTED}`;
  if (SECRET_NAME.test(name)) return REDACTED;
  return redactInline(value);
}

/** Command-line arguments: `--token xyz`, `--api-key=xyz` and URL credentials are hidden. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const eq = /^(--?[^=]+)=(.*)$/.exec(arg);
    if (eq && SECRET_NAME.test(eq[1] as string) && !REFERENCE.test(eq[2] as string)) {
      out.push(`${eq[1]}=${REDACTED}`);
      continue;
    }
    out.push(redactInline(arg));
    const next = args[i + 1];
    if (/^--?[A-Za-z]/.test(arg) && !arg.includes('=') && SECRET_NAME.test(arg) && next !== undefined) {
      out.push(REFERENCE.test(next) ? next : REDACTED);
      i += 1;
    }
  }
  return out;
}

/** A URL with its password and credential-like query parameters hidden. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactInline(url);
  }
  if (parsed.password) parsed.password = REDACTED;
  for (const [name, value] of parsed.searchParams) {
    if (SECRET_NAME.test(name) && !REFERENCE.test(value)) parsed.searchParams.set(name, REDACTED);
  }
  return decodeURI(parsed.toString());
}

function redactInline(text: string): string {
  return text.replace(/(https?:\/\/[^\s]+)/g, (match) => redactUrl(match));
}
