/**
 * Command errors as MongoDB reports them on the wire: `{ ok: 0, errmsg, code, codeName }`.
 * `unsupported()` is the one place refusals are worded, so every refusal names the feature and
 * points at MONGODB_URI.
 */
export const codeNames: Record<number, string> = {
  1: 'InternalError',
  2: 'BadValue',
  9: 'FailedToParse',
  14: 'TypeMismatch',
  20: 'IllegalOperation',
  26: 'NamespaceNotFound',
  27: 'IndexNotFound',
  28: 'PathNotViable',
  40: 'ConflictingUpdateOperators',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  52: 'DollarPrefixedFieldName',
  59: 'CommandNotFound',
  66: 'ImmutableField',
  67: 'CannotCreateIndex',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  115: 'CommandNotSupported',
  168: 'InvalidPipelineOperator',
  171: 'CannotIndexParallelArrays',
  11000: 'DuplicateKey',
};

export class MongoCommandError extends Error {
  readonly codeName: string;
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'MongoCommandError';
    this.codeName = codeNames[code] ?? 'UnknownError';
  }
}

export function fail(code: number, message: string, extra?: Record<string, unknown>): never {
  throw new MongoCommandError(code, message, extra);
}

/** Refusal for anything the embedded server does not implement (never a silently wrong answer). */
export function unsupported(what: string, code: 59 | 115 = 115): never {
  throw new MongoCommandError(
    code,
    `${what} is not supported by the embedded MongoDB-compatible server; set MONGODB_URI to use a real MongoDB`,
  );
}
