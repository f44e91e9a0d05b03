import { commitIsolating, isDataError, refusalText, sqlState } from '../../../../src/runtime/processor/batch-isolation';

/** An error as node-postgres gives it. */
const pgError = (code: string, message = 'refused', extra: Record<string, string> = {}) => Object.assign(new Error(message), { code, ...extra });

/** A fake database: refuses any commit holding a poisoned item (data error), records what committed. */
function database(poisoned: Set<number>, error: Error = pgError('23514', 'check violated')) {
  const committed: number[][] = [];
  const refused: number[] = [];
  let attempts = 0;
  return {
    committed, refused,
    get attempts() { return attempts; },
    steps: {
      commit: async (items: number[]) => {
        attempts += 1;
        if (items.some((i) => poisoned.has(i))) throw error;
        committed.push(items);
      },
      refuse: async (item: number) => { refused.push(item); },
    },
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('commitIsolating (bisection of a batch the database refuses)', () => {
  it('commits a good batch in one transaction', async () => {
    const db = database(new Set());
    await commitIsolating(range(10), db.steps);
    expect(db.committed).toEqual([range(10)]);
    expect(db.attempts).toBe(1);
  });

  it('isolates one bad item, refuses only it, commits every other item in order', async () => {
    const db = database(new Set([6]));
    await commitIsolating(range(16), db.steps);
    expect(db.refused).toEqual([6]);
    expect(db.committed.flat()).toEqual(range(16).filter((i) => i !== 6));
    // Halving: about 2 * log2(16) transactions, not one per item.
    expect(db.attempts).toBeLessThanOrEqual(9);
  });

  it('isolates several bad items, the first and the last included', async () => {
    const db = database(new Set([0, 5, 6, 12]));
    await commitIsolating(range(13), db.steps);
    expect(db.refused).toEqual([0, 5, 6, 12]);
    expect(db.committed.flat()).toEqual(range(13).filter((i) => ![0, 5, 6, 12].includes(i)));
  });

  it('skips the first attempt when the caller already saw the group fail', async () => {
    const db = database(new Set([1]));
    await commitIsolating([0, 1], db.steps, pgError('22003'));
    expect(db.attempts).toBe(2); // [0] and [1] alone, not [0, 1] again
    expect(db.refused).toEqual([1]);
    expect(db.committed).toEqual([[0]]);
  });

  it('throws at once, refusing nothing, when the database is unavailable', async () => {
    for (const error of [pgError('08006', 'connection failure'), pgError('57P01', 'terminating connection'), Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), new Error('Connection terminated unexpectedly')]) {
      const db = database(new Set([3]), error);
      await expect(commitIsolating(range(8), db.steps)).rejects.toBe(error);
      expect(db.refused).toEqual([]);
      expect(db.attempts).toBe(1);
    }
  });

  it('commits nothing for no items', async () => {
    const db = database(new Set());
    await commitIsolating([], db.steps);
    expect(db.attempts).toBe(0);
  });
});

describe('which database errors are the data\'s fault', () => {
  it.each([
    ['22003', true], ['22P05', true], ['22021', true], ['22P02', true], ['23514', true], ['23505', true], ['54000', true],
    ['08006', false], ['08001', false], ['53300', false], ['57P01', false], ['40001', false], ['40P01', false], ['42P01', false], ['42703', false],
  ])('SQLSTATE %s: %s', (code, data) => {
    expect(isDataError(pgError(code))).toBe(data);
  });

  it('an error without a SQLSTATE is not a data error', () => {
    expect(isDataError(new Error('x'))).toBe(false);
    expect(isDataError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isDataError(null)).toBe(false);
    expect(sqlState(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('EPIPE');
  });

  it('the dead-letter text carries the message, SQLSTATE, constraint and detail', () => {
    const text = refusalText(pgError('23514', 'new row violates check constraint "c"', { constraint: 'c', detail: 'Failing row contains (...)' }));
    expect(text).toBe('database refused the message: new row violates check constraint "c" (SQLSTATE 23514); constraint c; Failing row contains (...)');
  });
});
