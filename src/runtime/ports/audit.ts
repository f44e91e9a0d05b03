/** The audit log of manual actions as GraphQL reads it; persistence/audit-repository.ts implements it. */
import type { AuditOutcome } from '../audit';

export interface AuditFilter {
  sagaId?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
}

export interface AuditRecord {
  id: string;
  sagaId: string;
  orderId: string;
  action: string;
  step: string | null;
  actor: string;
  roles: string[];
  reason: string | null;
  at: Date;
  stateBefore: Record<string, unknown> | null;
  outcome: AuditOutcome;
}

export interface AuditLog {
  /** Newest first; `before` is the (createdAt, id) of the last entry of the previous page. */
  list(filter: AuditFilter, limit: number, before?: { at: string; id: string }): Promise<AuditRecord[]>;
  /** Entries of one saga, oldest first (the live stream). */
  ofSaga(sagaId: string): Promise<AuditRecord[]>;
  /** Per saga, its latest entries, oldest first (the `Saga.auditLog` field of a page). */
  ofSagas(sagaIds: string[]): Promise<Map<string, AuditRecord[]>>;
}
