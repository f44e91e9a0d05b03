import { raw, type MikroORM } from '@mikro-orm/postgresql';
import { definitionKey, IN_USE_STATUSES, type DefinitionUsage, type RegisteredDefinition } from '../core';
import type { DefinitionCatalog, ReplacedFingerprint } from '../runtime/ports';
import { SagaDefinitionRecord } from './entities/saga-definition.entity';
import { SagaInstance } from './entities/saga-instance.entity';
import { SagaTimer } from './entities/saga-timer.entity';

/**
 * DefinitionCatalog on PostgreSQL, through MikroORM's EntityManager and QueryBuilder: a cold
 * path (once at start, and per sagaDefinitions query), so the columns stay declared once, in the
 * entities.
 */
export class PostgresDefinitionCatalog implements DefinitionCatalog {
  constructor(private readonly orm: MikroORM) {}

  async usage(): Promise<DefinitionUsage[]> {
    const em = this.orm.em.fork();
    const timers = em.createQueryBuilder(SagaTimer, 't').select('t.sagaId');
    const rows = await em.createQueryBuilder(SagaInstance, 's')
      .select(['s.type', 's.definitionVersion', 's.fingerprint'])
      .addSelect(raw('count(*)::int as running'))
      .where({ $or: [{ status: { $in: [...IN_USE_STATUSES] } }, { id: { $in: timers.getKnexQuery() } }] })
      .groupBy(['s.type', 's.definitionVersion', 's.fingerprint'])
      .orderBy({ 's.type': 'asc', 's.definitionVersion': 'asc' })
      .execute<{ type: string; definitionVersion: number; fingerprint: string | null; running: number }[]>('all', true);
    return rows.map((r) => ({ name: r.type, version: r.definitionVersion, fingerprint: r.fingerprint, running: r.running }));
  }

  async record(registered: readonly RegisteredDefinition[]): Promise<ReplacedFingerprint[]> {
    if (registered.length === 0) return [];
    return this.orm.em.fork().transactional(async (em) => {
      const recorded = await em.find(SagaDefinitionRecord, { $or: registered.map((d) => ({ name: d.name, version: d.version })) });
      const byKey = new Map(recorded.map((r) => [definitionKey(r.name, r.version), r.fingerprint]));
      const changed = registered.filter((d) => byKey.get(definitionKey(d.name, d.version)) !== d.fingerprint);
      const now = new Date();
      if (changed.length > 0) {
        // An upsert: another instance starting at the same moment may insert the same row.
        await em.upsertMany(SagaDefinitionRecord, changed.map((d) => ({
          name: d.name, version: d.version, fingerprint: d.fingerprint, firstRegisteredAt: now, fingerprintRecordedAt: now,
        })), { onConflictFields: ['name', 'version'], onConflictAction: 'merge', onConflictMergeFields: ['fingerprint', 'fingerprintRecordedAt'] });
      }
      return changed.flatMap((d) => {
        const previous = byKey.get(definitionKey(d.name, d.version));
        return previous === undefined ? [] : [{ name: d.name, version: d.version, previous }];
      });
    });
  }
}
