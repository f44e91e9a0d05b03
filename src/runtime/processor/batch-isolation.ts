/**
 * The backstop for a message the database refuses although it passed validation (a constraint
 * the schema cannot know, a limit nobody foresaw): find it by committing smaller and smaller
 * groups, dead-letter it alone, and let everything around it commit.
 */

/**
 * SQLSTATE classes whose errors come from the data of a statement, so the same message would
 * fail the same way every time: 22 data exception (numeric overflow, NUL, bad JSON text),
 * 23 integrity constraint violation (CHECK, NOT NULL, unique), 54 program limit exceeded (an
 * index row too large). Only these are isolated and dead-lettered.
 *
 * Everything else is thrown, so the batch is redelivered later and nothing is dead-lettered:
 * connection and availability errors (class 08, 53 insufficient resources, 57 operator
 * intervention such as a shutdown, a socket error without a SQLSTATE), transient ones (40
 * serialization failure or deadlock, an optimistic-lock conflict), and class 42 (syntax error,
 * undefined table or column): that one means our SQL or schema is wrong for every message, and
 * dead-lettering would throw away good messages while a deploy is broken.
 */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

/** The SQLSTATE of a PostgreSQL error (node-postgres puts it in `code`), or null. */
export function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** True when the database refused the statement because of its data (see DATA_ERROR_CLASSES). */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== null && DATA_ERROR_CLASSES.has(state.slice(0, 2));
}

/** The database's error as the text of a dead-letter record: message, SQLSTATE, detail, constraint. */
export function refusalText(error: unknown): string {
  const e = error as { message?: string; detail?: string; constraint?: string };
  const parts = [`database refused the message: ${e.message ?? String(error)} (SQLSTATE ${sqlState(error) ?? 'unknown'})`];
  if (e.constraint) parts.push(`constraint ${e.constraint}`);
  if (e.detail) parts.push(e.detail);
  return parts.join('; ');
}

export interface IsolationSteps<T> {
  /** Commits the items in one transaction; throws what the transaction threw. */
  commit(items: T[]): Promise<void>;
  /** Takes one item out that the database refuses on its own (dead-letters it). */
  refuse(item: T, error: unknown): Promise<void>;
  /** Which failures are the items' fault; any other failure is thrown at once. Default isDataError. */
  isRefusal?(error: unknown): boolean;
}

/**
 * Commits `items` in order; when a commit fails with a refusal, splits the group in halves and
 * commits each (the first half before the second, so a partition's order holds), down to single
 * items, which are refused. One bad item among n costs about 2·log2(n) transactions.
 * `failed`: the caller already saw this whole group fail with a refusal (skips that attempt).
 */
export async function commitIsolating<T>(items: T[], steps: IsolationSteps<T>, failed?: unknown): Promise<void> {
  if (items.length === 0) return;
  const isRefusal = steps.isRefusal ?? isDataError;
  let error = failed;
  if (error === undefined) {
    try {
      await steps.commit(items);
      return;
    } catch (thrown) {
      if (!isRefusal(thrown)) throw thrown;
      error = thrown;
    }
  }
  if (items.length === 1) {
    await steps.refuse(items[0], error);
    return;
  }
  const half = Math.ceil(items.length / 2);
  await commitIsolating(items.slice(0, half), steps);
  await commitIsolating(items.slice(half), steps);
}
