/**
 * Connection-string helpers: reading and replacing the database name of a mongodb:// or
 * mongodb+srv:// URI without a URL parser (multi-host URIs are not valid WHATWG URLs).
 */
const pattern = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/([^?]*))?(\?.*)?$/;

export function databaseFromUri(uri: string): string | undefined {
  const m = pattern.exec(uri);
  if (!m) return undefined;
  const name = decodeURIComponent(m[2] ?? '');
  return name === '' ? undefined : name;
}

export function withDatabase(uri: string, dbName: string): string {
  const m = pattern.exec(uri);
  if (!m) throw new Error('not a mongodb:// connection string');
  return `${m[1]}/${encodeURIComponent(dbName)}${m[3] ?? ''}`;
}

export function isMongoUri(uri: string): boolean {
  return pattern.test(uri);
}

/** The URI with any password replaced, for logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
