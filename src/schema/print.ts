/**
 * `npm run schema:print`: writes schema.graphql from the code-first schema, or with
 * `--check` exits 1 when the checked-in file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from './index';

export const schemaPath = join(__dirname, '..', '..', 'schema.graphql');

export function printAppSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}

export function main(argv = process.argv.slice(2), path = schemaPath): number {
  const printed = printAppSchema();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      /* missing counts as out of date */
    }
    if (current !== printed) {
      process.stderr.write('schema.graphql is out of date: run `npm run schema:print`.\n');
      return 1;
    }
    process.stdout.write('schema.graphql is up to date.\n');
    return 0;
  }
  writeFileSync(path, printed);
  process.stdout.write(`Wrote ${path}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
