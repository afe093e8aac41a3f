/**
 * Custom scalars. DateTime is an ISO-8601 string on the wire and a Date inside.
 * Decimal is an exact decimal string both ways (money is never a JS number; convert
 * with src/shared/money.ts). JSON is any JSON value.
 */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

const DECIMAL = /^-?\d+(\.\d+)?$/;

function badInput(message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string in UTC, e.g. "2026-01-31T12:00:00.000Z".',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new Error(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)
  ) {
    throw badInput(
      `DateTime must be an ISO-8601 string such as "2026-01-31T12:00:00Z", got ${JSON.stringify(value)}`,
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`DateTime ${JSON.stringify(value)} is not a real date`);
  return date;
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "12.345000001". Money amounts are USD.',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    // A JS number here means money went through floating point somewhere: refuse loudly.
    throw new Error(`Decimal must be produced as an exact string, got ${typeof value}`);
  },
  parseValue(value) {
    return parseDecimal(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING)
      throw badInput('Decimal must be a string such as "10.50" (numbers lose precision)');
    return parseDecimal(ast.value);
  },
});

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw badInput(`Decimal must be a string such as "10.50", got ${JSON.stringify(value)}`);
  }
  return value;
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToValue(ast, variables),
});

function literalToValue(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToValue(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToValue(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      return undefined;
  }
}
