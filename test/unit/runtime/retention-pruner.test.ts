import pino from 'pino';
import type { Pruned, RetentionCutoffs } from '../../../src/runtime/ports';
import { retentionCutoffs, retentionPruner } from '../../../src/runtime/retention-pruner';

const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;

describe('retentionCutoffs', () => {
  it('puts each cutoff its retention before now, and none where the retention is 0', () => {
    const now = Date.UTC(2026, 10, 26, 12);
    expect(retentionCutoffs({ inboxHours: 24, outboxHours: 0, intervalMs: 1000 }, now)).toEqual({
      inboxBefore: new Date(now - 24 * HOUR), outboxBefore: null,
    });
    expect(retentionCutoffs({ inboxHours: 0.5, outboxHours: 168, intervalMs: 1000 }, now)).toEqual({
      inboxBefore: new Date(now - HOUR / 2), outboxBefore: new Date(now - 168 * HOUR),
    });
  });
});

describe('retentionPruner', () => {
  it('prunes at start and again after each interval, and keeps going after a failure', async () => {
    const calls: RetentionCutoffs[] = [];
    const seen: Pruned[] = [];
    let fail = true;
    const prune = async (cutoffs: RetentionCutoffs): Promise<Pruned> => {
      calls.push(cutoffs);
      if (fail) { fail = false; throw new Error('database away'); }
      return { inbox: 2, outbox: 1 };
    };
    const pruner = retentionPruner(prune, { inboxHours: 1, outboxHours: 2, intervalMs: 5 }, logger, (p) => seen.push(p), () => 10 * HOUR)!;
    pruner.start();
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    await pruner.stop();
    expect(calls[0]).toEqual({ inboxBefore: new Date(9 * HOUR), outboxBefore: new Date(8 * HOUR) });
    expect(calls.length).toBeGreaterThanOrEqual(3); // the failed one, then two that counted
    expect(seen[0]).toEqual({ inbox: 2, outbox: 1 });
  });

  it('is not there when both retentions are 0 (keep forever)', () => {
    expect(retentionPruner(async () => ({ inbox: 0, outbox: 0 }), { inboxHours: 0, outboxHours: 0, intervalMs: 5 }, logger)).toBeUndefined();
    expect(retentionPruner(async () => ({ inbox: 0, outbox: 0 }), { inboxHours: 0, outboxHours: 1, intervalMs: 5 }, logger)).toBeDefined();
  });
});
