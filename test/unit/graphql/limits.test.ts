import { buildSchema, GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { checkOperation, COST, depthRule, type QueryLimits } from '../../../src/graphql/limits';
import { isAuditPosition } from '../../../src/persistence/audit-repository';
import { isFeedPosition } from '../../../src/persistence/saga-read-repository';
import { isUtcInstantText } from '../../../src/persistence/sql';

const schema = buildSchema(`
  type Query { node: Node, sagas(first: Int): SagaConnection, name(text: String): String }
  type Node { name: String, child: Node }
  type SagaConnection { totalCount: Int, edges: [Edge] }
  type Edge { cursor: String }
`);
const limits: QueryLimits = { maxDepth: 3, maxComplexity: 1000, maxAliases: 5, maxTokens: 1000 };

const depthErrors = (query: string) => validate(schema, parse(query), [...specifiedRules, depthRule(limits)]);
function refusal(query: string, variables?: Record<string, unknown>): GraphQLError | undefined {
  try {
    checkOperation(schema, parse(query), variables, undefined, limits);
    return undefined;
  } catch (error) {
    return error as GraphQLError;
  }
}

describe('depthRule', () => {
  it('counts fields with a selection, through fragments and introspection', () => {
    expect(depthErrors('{ node { child { child { name } } } }')).toEqual([]);
    expect(depthErrors('{ node { child { child { child { name } } } } }')[0].message).toMatch(/nested 4 deep, over the maximum depth of 3/);
    expect(depthErrors('{ node { ...A } } fragment A on Node { child { child { child { name } } } }')[0].message).toMatch(/maximum depth/);
    expect(depthErrors('{ __schema { types { fields { type { name } } } } }')[0].message).toMatch(/nested 4 deep/);
  });

  it('leaves a fragment cycle to NoFragmentCyclesRule instead of recursing forever', () => {
    const errors = depthErrors('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }');
    expect(errors.map((e) => e.message)).toContain('Cannot spread fragment "A" within itself via "B".');
  });
});

describe('checkOperation', () => {
  it('refuses NUL in a literal, a variable or a variable key as BAD_USER_INPUT', () => {
    for (const [query, variables] of [
      ['{ name(text: "a\\u0000") }', undefined],
      ['query($t: String) { name(text: $t) }', { t: 'a\u0000' }],
      ['query($t: String) { name(text: $t) }', { t: 'a', ['k\u0000']: 1 }],
    ] as const) {
      expect(refusal(query, variables)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', http: { status: 400 } });
    }
    expect(refusal('{ name(text: "a\\u0001") }')).toBeUndefined();
  });

  it('refuses a variable of the wrong type as BAD_USER_INPUT (400) before costing', () => {
    const error = refusal('query($n: Int) { sagas(first: $n) { totalCount } }', { n: 'many' });
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', http: { status: 400 } });
    expect(error?.message).toMatch(/\$n/);
  });

  it('refuses more aliases than the limit as QUERY_TOO_COMPLEX', () => {
    expect(refusal('{ a: name b: name c: name d: name e: name }')).toBeUndefined();
    expect(refusal('{ a: name b: name c: name d: name e: name f: name }')?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', aliases: 6, limit: 5 });
  });

  it('costs a count once per occurrence, whatever the page size around it', () => {
    const one = refusal('{ sagas(first: 1) { totalCount } }');
    expect(one).toBeUndefined();
    const five = refusal('{ a: sagas(first: 1) { totalCount } b: sagas { totalCount } c: sagas { totalCount } d: sagas { totalCount } e: sagas { totalCount } }');
    expect(five?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 1000 });
    expect(five?.extensions?.complexity).toBeGreaterThanOrEqual(5 * COST.count);
    // Through a fragment spread twice: two counts.
    const spread = refusal('{ a: sagas { ...C } b: sagas { ...C } c: sagas { ...C } d: sagas { ...C } } fragment C on SagaConnection { totalCount }');
    expect(spread?.extensions?.complexity).toBeGreaterThanOrEqual(4 * COST.count);
  });
});

describe('cursor positions', () => {
  it('accepts only feed positions within xid8 and bigint', () => {
    expect(isFeedPosition({ txId: '18446744073709551615', id: '9223372036854775807' })).toBe(true);
    expect(isFeedPosition({ txId: '18446744073709551616', id: '1' })).toBe(false);
    expect(isFeedPosition({ txId: '1', id: '9223372036854775808' })).toBe(false);
    expect(isFeedPosition({ txId: '1', id: '-1' })).toBe(false);
    expect(isFeedPosition({ commit: '9223372036854775807', id: '9223372036854775807' })).toBe(true);
    expect(isFeedPosition({ commit: '9223372036854775808', id: '1' })).toBe(false);
    expect(isFeedPosition({ commit: '1', id: '1.5' })).toBe(false);
  });

  it('accepts only instants PostgreSQL reads as the same instant', () => {
    for (const ok of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.1Z', '2026-02-28T23:59:59.999Z', '2024-02-29T00:00:00.123456Z', '0001-01-01T00:00:00Z']) {
      expect({ ok, valid: isUtcInstantText(ok) }).toEqual({ ok, valid: true });
    }
    for (const bad of ['2026-02-31T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:60Z', '2026-01-01', '2026-01-01T00:00:00.1234567Z', '2026-01-01T00:00:00+01:00']) {
      expect({ bad, valid: isUtcInstantText(bad) }).toEqual({ bad, valid: false });
    }
  });

  it('accepts only audit positions PostgreSQL can compare', () => {
    expect(isAuditPosition({ at: '2026-01-01T00:00:00.123Z', id: 'ticket-1' })).toBe(true);
    expect(isAuditPosition({ at: '1', id: 'x' })).toBe(false);
    expect(isAuditPosition({ at: '2026-13-45T00:00:00Z', id: 'x' })).toBe(false);
    expect(isAuditPosition({ at: '2026-01-01T00:00:00Z', id: 'a\u0000' })).toBe(false);
    expect(isAuditPosition({ at: '2026-01-01T00:00:00Z', id: '' })).toBe(false);
  });
});
