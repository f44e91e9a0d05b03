import type DataLoader from 'dataloader';
import type { AuditRecord, OutboxLocation, SagaEventRecord } from '../runtime/ports';

/**
 * Roles. `analyst` reads with customer data masked; `viewer` reads everything; `support` may act on
 * inventory steps; `operator` on any step but refunds; `finance` may also trigger refunds;
 * `admin` may do everything. Any role may read and subscribe.
 */
export const ROLES = ['analyst', 'viewer', 'support', 'operator', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: from a bearer token over HTTP or the connection_init payload over graphql-ws. */
export interface Viewer {
  actor: string;
  roles: Role[];
}

/** What every resolver receives. `viewer` is null for an unauthenticated caller. */
export interface GraphQLContext {
  requestId: string;
  viewer: Viewer | null;
  /** Set when credentials were sent but matched no key. */
  authError?: string;
  /** Per-request loader of event logs, so a page of sagas costs one query, not one per saga. */
  eventsLoader: DataLoader<string, SagaEventRecord[]>;
  /** Per-request loader of where each saga's outbox messages went (`Saga.waitingOn`), by eventId. */
  outboxLoader: DataLoader<string, Map<string, OutboxLocation>>;
  /** Per-request loader of audit logs (`Saga.auditLog`). */
  auditLoader: DataLoader<string, AuditRecord[]>;
  /** The trace a saga started or acted on by this request joins (tracing-plugin.ts); unset without one. */
  traceparent?: string;
}
