/**
 * Rejects operations that are too deep or too expensive before they execute.
 * Depth counts nested selection sets (fragments followed). Complexity is the number
 * of fields selected, with a list field's children multiplied by its `first`,
 * `last` or `limit` argument when given. Introspection fields are not counted.
 * Each fragment is measured once per document: fragments that spread each other twice per level
 * would otherwise take exponential time before any limit could refuse them.
 */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface QueryLimitsOptions {
  maxDepth?: number;
  maxComplexity?: number;
}

interface Measure {
  depth: number;
  complexity: number;
}

export function useQueryLimits(options: QueryLimitsOptions = {}): Plugin {
  const { maxDepth = 12, maxComplexity = 2000 } = options;
  return {
    onValidate({ addValidationRule }) {
      addValidationRule((context: ValidationContext) => queryLimitsRule(context, maxDepth, maxComplexity));
    },
  };
}

export function queryLimitsRule(
  context: ValidationContext,
  maxDepth: number,
  maxComplexity: number,
): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const measuredFragments = new Map<string, Measure>();
  return {
    OperationDefinition(node) {
      const measured = measure(node.selectionSet, fragments, new Set(), measuredFragments);
      if (measured.depth > maxDepth) {
        context.reportError(
          new GraphQLError(
            `Query is ${measured.depth} levels deep; the limit is ${maxDepth}. Split it into smaller queries.`,
            {
              nodes: [node],
              extensions: {
                code: 'QUERY_TOO_DEEP',
                http: { status: 400, spec: false },
                depth: measured.depth,
                maxDepth,
              },
            },
          ),
        );
      } else if (measured.complexity > maxComplexity) {
        context.reportError(
          new GraphQLError(
            `Query complexity ${measured.complexity} exceeds the limit of ${maxComplexity}. Select fewer fields or page with smaller "first"/"limit".`,
            {
              nodes: [node],
              extensions: {
                code: 'QUERY_TOO_COMPLEX',
                http: { status: 400, spec: false },
                complexity: measured.complexity,
                maxComplexity,
              },
            },
          ),
        );
      }
    },
  };
}

function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  measured: Map<string, Measure>,
): Measure {
  let depth = 0;
  let complexity = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      let childDepth = 0;
      let childComplexity = 0;
      if (selection.selectionSet) {
        const child = measure(selection.selectionSet, fragments, visiting, measured);
        childDepth = child.depth;
        childComplexity = child.complexity;
      }
      const multiplier = listSize(selection.arguments ?? []);
      depth = Math.max(depth, 1 + childDepth);
      complexity += 1 + childComplexity * multiplier;
    } else {
      const known = selection.kind === Kind.FRAGMENT_SPREAD ? measured.get(selection.name.value) : undefined;
      if (known) {
        depth = Math.max(depth, known.depth);
        complexity += known.complexity;
        continue;
      }
      let inner: SelectionSetNode | undefined;
      if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
      else if (!visiting.has(selection.name.value)) inner = fragments.get(selection.name.value)?.selectionSet;
      if (!inner) continue; // unknown or cyclic fragments are reported by GraphQL's own rules
      const key = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      if (key) visiting.add(key);
      const child = measure(inner, fragments, visiting, measured);
      if (key) visiting.delete(key);
      if (key) measured.set(key, child);
      depth = Math.max(depth, child.depth);
      complexity += child.complexity;
    }
  }
  return { depth, complexity };
}

/** A page size passed as a variable is not known here; such lists count as 1 (services cap page sizes). */
function listSize(args: readonly { name: { value: string }; value: ValueNode }[]): number {
  for (const arg of args) {
    if (['first', 'last', 'limit'].includes(arg.name.value) && arg.value.kind === Kind.INT) {
      return Math.max(1, Number(arg.value.value));
    }
  }
  return 1;
}
