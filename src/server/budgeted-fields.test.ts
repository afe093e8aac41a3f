import {
  buildSchema,
  GraphQLError,
  Kind,
  parse,
  validate,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { budgetedExecutions } from './budgeted-fields';
import { queryLimitsRule } from './use-query-limits';

const schema = buildSchema(`
  type Query { ping: String }
  type Mutation { send(n: Int): String  free: String }
`);
(schema.getMutationType()!.getFields().send!.extensions as Record<string, unknown>) = {
  budgeted: () => null,
};

function executions(source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return budgetedExecutions(
    schema,
    fragments,
    variables,
    schema.getMutationType() as GraphQLObjectType,
    operation.selectionSet,
  ).map(({ key, args }) => ({ key, args }));
}

/** F0 holds the fields; every further fragment spreads the one below it twice. */
function doubling(levels: number, f0: string) {
  const fragments = [`fragment F0 on Mutation { ${f0} }`];
  for (let i = 1; i <= levels; i += 1)
    fragments.push(`fragment F${i} on Mutation { ...F${i - 1} ...F${i - 1} }`);
  return `mutation { ...F${levels} }\n${fragments.join('\n')}`;
}

describe('budgetedExecutions', () => {
  it('finds budgeted fields through fragments, with their arguments, once per response key', () => {
    expect(
      executions(
        `mutation($n: Int) { free ...A ... on Mutation { b: send(n: 2) } }
        fragment A on Mutation { send(n: $n) ...A2 } fragment A2 on Mutation { send(n: $n) }`,
        { n: 1 },
      ),
    ).toEqual([
      { key: 'send', args: { n: 1 } },
      { key: 'b', args: { n: 2 } },
    ]);
  });

  it('honours @skip and @include on fields, inline fragments and spreads', () => {
    const doc = `mutation($s: Boolean!) {
      a: send @skip(if: $s) ... @include(if: $s) { b: send } ...C @skip(if: true) ...C }
      fragment C on Mutation { c: send }`;
    expect(executions(doc, { s: true }).map((e) => e.key)).toEqual(['b', 'c']);
    expect(executions(doc, { s: false }).map((e) => e.key)).toEqual(['a', 'c']);
  });

  it('refuses a document it cannot analyse', () => {
    expect(() => executions('mutation { ...Missing }')).toThrow(GraphQLError);
    expect(() => executions('mutation { ... on Nope { send } }')).toThrow(/Unknown type "Nope"/);
  });

  it('walks a doubling-fragment document once per fragment (2^40 spreads of F0)', () => {
    const doc = doubling(40, 'send(n: 1) other: send(n: 2)');
    expect(executions(doc)).toEqual([
      { key: 'send', args: { n: 1 } },
      { key: 'other', args: { n: 2 } },
    ]);
    // The query limits measure each fragment once too, so the document is refused, not hung on.
    const errors = validate(schema, parse(doc), [(context) => queryLimitsRule(context, 12, 2000)]);
    expect(errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
