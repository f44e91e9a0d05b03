/** The run's summary: one row per fault, printed at the end and kept for the README. */

export interface FaultRow {
  fault: string;
  orders: number;
  outcomes: string;
  lost: number;
  doubled: number;
  stuck: number;
  unrefunded: number;
  deadLetters: string;
  stream: string;
  ready: string;
  /** From the end of the fault until every order had its final outcome; null if some never did. */
  recoveryMs: number | null;
  violated: number;
}

const COLUMNS: [keyof FaultRow, string][] = [
  ['fault', 'fault'], ['orders', 'orders'], ['outcomes', 'outcomes'], ['lost', 'lost'], ['doubled', 'doubled'], ['stuck', 'stuck'],
  ['unrefunded', 'unrefunded'], ['deadLetters', 'DLQ ok'], ['stream', 'stream'], ['ready', '/ready'], ['recoveryMs', 'recovery'], ['violated', 'broken invariants'],
];

function cell(row: FaultRow, key: keyof FaultRow): string {
  const v = row[key];
  if (key === 'recoveryMs') return v === null ? 'never' : `${((v as number) / 1000).toFixed(1)} s`;
  return String(v);
}

/** A Markdown table, readable in a terminal and pasteable into the README. */
export function renderTable(rows: FaultRow[], title: string): string {
  const header = `| ${COLUMNS.map(([, h]) => h).join(' | ')} |`;
  const rule = `| ${COLUMNS.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${COLUMNS.map(([k]) => cell(r, k)).join(' | ')} |`);
  return [`${title}`, '', header, rule, ...body, ''].join('\n');
}

/** "COMPLETED 40, PAYMENT_FAILED 8" */
export function outcomeSummary(outcomes: Record<string, number>): string {
  return Object.entries(outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
}
