import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { AuditRepository } from '../persistence/audit-repository';
import { BulkActionRepository } from '../persistence/bulk-action-repository';
import { BulkProgressListener } from '../persistence/bulk-progress-listener';
import { SagaChangeListener } from '../persistence/change-listener';
import { PostgresDefinitionCatalog } from '../persistence/definition-catalog';
import { openReadPool } from '../persistence/database';
import { SagaReadRepository } from '../persistence/saga-read-repository';
import { BulkActionService } from '../runtime/bulk-actions';
import type { SagaProcessor } from '../runtime/processor/saga-processor';
import type { Cleanups } from './cleanups';
import type { Database } from './database';

/** What the GraphQL control plane reads and drives besides the runtime's commands. */
export interface ControlPlane {
  reads: SagaReadRepository;
  audit: AuditRepository;
  /** Committed saga changes of every instance (LISTEN). */
  changes: SagaChangeListener;
  /** Bulk action progress of every instance (LISTEN). */
  bulkProgress: BulkProgressListener;
  bulk: BulkActionService;
  /** Which definitions the sagas in use started with (sagaDefinitions). */
  definitions: PostgresDefinitionCatalog;
}

/**
 * Starts the control plane's side: GraphQL reads (and the change fan-out's) on a pool of their
 * own, never the engine's connections; the LISTEN fan-outs; bulk actions, which act through the
 * processor and keep their rows through MikroORM's EntityManager (its own pool).
 */
export async function startControlPlane(
  config: Config, database: Database, commands: Pick<SagaProcessor, 'runManualAction'>, logger: Logger, cleanups: Cleanups,
): Promise<ControlPlane> {
  const readOrm: MikroORM = await openReadPool(database.url, config.database.readPoolSize, config.database.readStatementTimeoutMs);
  cleanups.add('read pool', () => readOrm.close(true));
  const reads = new SagaReadRepository(readOrm);
  const audit = new AuditRepository(readOrm);
  const changes = new SagaChangeListener(database.url, reads, logger);
  await changes.start();
  cleanups.add('saga change listener', () => changes.stop());
  const bulkProgress = new BulkProgressListener(database.url, logger);
  await bulkProgress.start();
  cleanups.add('bulk progress listener', () => bulkProgress.stop());
  const bulk = new BulkActionService({ repository: new BulkActionRepository(database.orm), reads, commands, logger });
  bulk.start();
  cleanups.add('bulk actions', () => bulk.stop());
  return { reads, audit, changes, bulkProgress, bulk, definitions: new PostgresDefinitionCatalog(readOrm) };
}
