import type DataLoader from 'dataloader';
import type { SagaEventRecord } from '../persistence/saga-read-repository';

/** Roles, from least to most powerful; `admin` may do everything. */
export const ROLES = ['viewer', 'operator', 'finance', 'admin'] as const;
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
}
