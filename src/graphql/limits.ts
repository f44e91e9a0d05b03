import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError, Kind, getOperationAST, getVariableValues, visit,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode, type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator, type ComplexityEstimator, type ComplexityEstimatorArgs } from 'graphql-query-complexity';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  /** Aliased fields in one document. */
  maxAliases: number;
  /** The parser stops after this many tokens (GRAPHQL_PARSE_FAILED). */
  maxTokens: number;
}

/**
 * What reads cost in the complexity limit, beyond 1 per field. A count reads every matching row,
 * so it costs like a large page; an event log or audit log reads its rows, estimated per saga
 * (a saga's log is loaded whole, up to 1000 events).
 */
export const COST = {
  /** One `totalCount`: select count(*) over the filter. */
  count: 250,
  /** Any field that runs a statement, before the rows it returns. */
  read: 10,
  eventsPerSaga: 20,
  auditEntriesPerSaga: 5,
};

/** The `complexity` of a field that runs a statement returning `rows(args)` rows, each costing its selection. */
export function readsRows(rows: (args: Record<string, unknown>) => number): ComplexityEstimator {
  return ({ args, childComplexity }) => COST.read + childComplexity * Math.max(1, rows(args));
}

/** `first` as a page size between 1 and max, for costing (the resolver refuses values outside). */
export function pageOf(args: Record<string, unknown>, fallback: number, max: number): number {
  return Math.min(max, Math.max(1, Number(args.first ?? fallback) || 1));
}

/**
 * Costs paid once per occurrence in the document, not multiplied by the page around them: a
 * count runs once per `sagas` field whatever its `first`.
 */
const ONCE: Record<string, number> = { 'SagaConnection.totalCount': COST.count };

/**
 * Validation rule rejecting operations nested deeper than maxDepth, introspection included (both
 * transports). A field with a selection counts 1 (as the graphql-depth-limit package counted); fragments are
 * followed once each (a cycle is NoFragmentCyclesRule's to report, not a stack overflow).
 */
export function depthRule(limits: Pick<QueryLimits, 'maxDepth'>): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const fragmentDepth = new Map<string, number>();
    const spreading = new Set<string>();
    const depthOf = (set: SelectionSetNode): number => {
      let max = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.selectionSet) max = Math.max(max, 1 + depthOf(selection.selectionSet));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(selection.selectionSet));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || spreading.has(name)) continue;
          if (!fragmentDepth.has(name)) {
            spreading.add(name);
            fragmentDepth.set(name, depthOf(fragment.selectionSet));
            spreading.delete(name);
          }
          max = Math.max(max, fragmentDepth.get(name)!);
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`operation ${node.name?.value ?? '(anonymous)'} is nested ${depth} deep, over the maximum depth of ${limits.maxDepth}`, { nodes: [node] }));
        }
      },
    };
  };
}

/** A refusal of the request as a whole: 400 over HTTP (Apollo would answer 500 for an error thrown before execution). */
function refusal(message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });
}

/**
 * Everything checked once the operation is known, before anything runs, on both transports:
 * NUL characters in any string (PostgreSQL refuses them in text), variables of the right types,
 * the alias count, then the cost. Throws a GraphQL error that says what was wrong.
 */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, limits: QueryLimits): void {
  rejectNul(document, variables);
  const operation = getOperationAST(document, operationName);
  if (operation) {
    const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (errors?.length) throw refusal(errors[0].message, 'BAD_USER_INPUT');
  }
  let aliasCount = 0;
  visit(document, { Field: (node) => { if (node.alias) aliasCount += 1; } });
  if (aliasCount > limits.maxAliases) {
    throw refusal(`query too complex: ${aliasCount} aliases exceed the limit of ${limits.maxAliases}`, 'QUERY_TOO_COMPLEX', { aliases: aliasCount, limit: limits.maxAliases });
  }
  let once = 0;
  const onceEstimator: ComplexityEstimator = ({ type, field }: ComplexityEstimatorArgs) => {
    const cost = ONCE[`${type.name}.${field.name}`];
    if (cost === undefined) return undefined;
    once += cost;
    return 1;
  };
  const perField = getComplexity({
    schema, query: document, operationName, variables: variables ?? {},
    estimators: [onceEstimator, fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
  const complexity = perField + once;
  if (complexity > limits.maxComplexity) {
    throw refusal(`query too complex: ${complexity} exceeds the limit of ${limits.maxComplexity}`, 'QUERY_TOO_COMPLEX', { complexity, limit: limits.maxComplexity });
  }
}

/** NUL in a string literal of the document or anywhere in the variables (keys included). */
function rejectNul(document: DocumentNode, variables: unknown): void {
  let found = false;
  visit(document, { StringValue: (node) => { if (node.value.includes('\u0000')) found = true; } });
  if (found || containsNul(variables)) throw refusal('strings must not contain the NUL character (\\u0000)', 'BAD_USER_INPUT');
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

export function complexityPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          checkOperation(schema, document, request.variables, request.operationName ?? undefined, limits);
        },
      };
    },
  };
}
