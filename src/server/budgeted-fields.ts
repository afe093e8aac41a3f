/**
 * Which budgeted root fields an operation will execute, found the way the executor finds them:
 * GraphQL's CollectFields over the root selection set (the same algorithm as the executor yoga
 * runs, @graphql-tools/executor), so named fragments, inline fragments, type conditions,
 * @skip/@include with coerced variables and aliases all count. Each response key is one execution
 * (fields merged under one key run once), so it gets one hold.
 *
 * Like CollectFields, a fragment is expanded at most once per operation: a document whose
 * fragments double at each level stays linear. A document that cannot be analysed (an unknown
 * fragment or type, normally caught by validation) throws a GraphQLError.
 */
import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  typeFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { isBudgeted } from './budget-decisions';

export interface BudgetedExecution {
  /** The response key (alias or field name). */
  key: string;
  field: GraphQLField<unknown, unknown>;
  /** The arguments the resolver will receive (the executor reads them from the first node too). */
  args: Record<string, unknown>;
}

type Variables = Record<string, unknown>;

function included(node: SelectionNode, variables: Variables) {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function conditionMatches(
  schema: GraphQLSchema,
  fragment: FragmentDefinitionNode | InlineFragmentNode,
  type: GraphQLObjectType,
): boolean {
  if (!fragment.typeCondition) return true;
  const condition = typeFromAST(schema, fragment.typeCondition);
  if (!condition) {
    throw new GraphQLError(`Unknown type "${fragment.typeCondition.name.value}".`, { nodes: fragment });
  }
  if (condition === type) return true;
  return isAbstractType(condition) && schema.getPossibleTypes(condition).includes(type);
}

/** CollectFields: the first node of each response key, in execution order. */
function collectRootFields(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Variables,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
): Map<string, FieldNode> {
  const fields = new Map<string, FieldNode>();
  const visited = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (conditionMatches(schema, selection, type)) collect(selection.selectionSet);
      } else {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        const fragment = fragments[name];
        if (!fragment) throw new GraphQLError(`Unknown fragment "${name}".`, { nodes: selection });
        if (!conditionMatches(schema, fragment, type)) continue;
        visited.add(name);
        collect(fragment.selectionSet);
      }
    }
  };
  collect(selectionSet);
  return fields;
}

/** The executions of budgeted fields in this root selection set, with their coerced arguments. */
export function budgetedExecutions(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Variables,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
): BudgetedExecution[] {
  const executions: BudgetedExecution[] = [];
  for (const [key, node] of collectRootFields(schema, fragments, variables, rootType, selectionSet)) {
    const field = rootType.getFields()[node.name.value];
    if (!field || !isBudgeted(field.extensions)) continue;
    executions.push({ key, field, args: getArgumentValues(field, node, variables) });
  }
  return executions;
}

/** Whether a root type has any budgeted field (operations on other roots need no walk). */
export function hasBudgetedFields(rootType: GraphQLObjectType): boolean {
  return Object.values(rootType.getFields()).some((field) => isBudgeted(field.extensions));
}
