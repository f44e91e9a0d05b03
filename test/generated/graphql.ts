/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format. */
  DateTimeISO: { input: string; output: string; }
  /** The `JSONObject` scalar type represents JSON objects as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSONObject: { input: unknown; output: unknown; }
};

/** A liveness tick on a subscription; lets a client check its socket end to end. */
export type Heartbeat = {
  __typename?: 'Heartbeat';
  at: Scalars['DateTimeISO']['output'];
  sequence: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** A saga by id; null when there is none. */
  saga?: Maybe<Saga>;
  /** The saga of an order; null when there is none. */
  sagaByOrder?: Maybe<Saga>;
  serviceInfo: ServiceInfo;
};


export type QuerySagaArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySagaByOrderArgs = {
  orderId: Scalars['ID']['input'];
};

/** A saga: one order's distributed transaction. */
export type Saga = {
  __typename?: 'Saga';
  currency?: Maybe<Scalars['String']['output']>;
  currentStep?: Maybe<Scalars['String']['output']>;
  customerId?: Maybe<Scalars['String']['output']>;
  /** The saga's business data (the order, reservation, payments, ...). */
  data: Scalars['JSONObject']['output'];
  /** The definition version this saga started with and keeps. */
  definitionVersion: Scalars['Int']['output'];
  /** Start to final status, in milliseconds. */
  durationMs?: Maybe<Scalars['Float']['output']>;
  endedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  /** Sequence number of the last event in the log. */
  eventSequence: Scalars['Int']['output'];
  /** The saga's event log, oldest first; `afterSequence` resumes after an event already seen. */
  events: Array<SagaEventType>;
  failureReason?: Maybe<Scalars['String']['output']>;
  /** The status a failed saga ends in once compensated. */
  failureStatus?: Maybe<SagaStatus>;
  /** Decimal string, after discounts. */
  finalAmount?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  orderId: Scalars['ID']['output'];
  startedAt: Scalars['DateTimeISO']['output'];
  status: SagaStatus;
  steps: Array<SagaStepType>;
  timer?: Maybe<SagaTimerType>;
  /** Decimal string. */
  totalAmount?: Maybe<Scalars['String']['output']>;
  /** Definition name, e.g. `order`. */
  type: Scalars['String']['output'];
  updatedAt: Scalars['DateTimeISO']['output'];
  /** Optimistic-lock version: changes with every committed change. */
  version: Scalars['Int']['output'];
  warnings: Array<Scalars['String']['output']>;
};


/** A saga: one order's distributed transaction. */
export type SagaEventsArgs = {
  afterSequence?: Scalars['Int']['input'];
};

/** One entry of a saga's append-only log: a transition, a message in or out, or a manual action. */
export type SagaEventType = {
  __typename?: 'SagaEventType';
  /** `system`, or the operator of a manual action. */
  actor: Scalars['String']['output'];
  at: Scalars['DateTimeISO']['output'];
  detail: Scalars['JSONObject']['output'];
  sagaId: Scalars['ID']['output'];
  /** Gapless per saga, from 1; resume a stream after the last one seen. */
  sequence: Scalars['Int']['output'];
  step?: Maybe<Scalars['String']['output']>;
  type: Scalars['String']['output'];
};

/** Where a saga is: running, compensating, or a final status. */
export type SagaStatus =
  | 'ABORTED'
  | 'APPROVAL_FAILED'
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'COMPENSATION_FAILED'
  | 'COMPLETED'
  | 'COUPON_ERROR'
  | 'INVENTORY_ERROR'
  | 'PAYMENT_FAILED'
  | 'RUNNING'
  | 'TIMED_OUT';

/** One step of a saga as it stands. */
export type SagaStepType = {
  __typename?: 'SagaStepType';
  attempts: Scalars['Int']['output'];
  /** eventIds of the commands this step sent (the same on every re-send). */
  commandEventIds: Array<Scalars['String']['output']>;
  compensationAttempts: Scalars['Int']['output'];
  compensationEndedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  compensationStartedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  endedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  lastError?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  position: Scalars['Int']['output'];
  startedAt?: Maybe<Scalars['DateTimeISO']['output']>;
  status: StepStatus;
};

/** The durable timer a saga waits on: a step timeout or a retry back-off. */
export type SagaTimerType = {
  __typename?: 'SagaTimerType';
  attempt: Scalars['Int']['output'];
  dueAt: Scalars['DateTimeISO']['output'];
  phase: Scalars['String']['output'];
  purpose: Scalars['String']['output'];
  step: Scalars['String']['output'];
};

/** What this orchestrator instance runs on. */
export type ServiceInfo = {
  __typename?: 'ServiceInfo';
  /** `external` or `embedded` */
  database: Scalars['String']['output'];
  name: Scalars['String']['output'];
  startedAt: Scalars['DateTimeISO']['output'];
  /** `kafka` or `in-process` */
  transport: Scalars['String']['output'];
  version: Scalars['String']['output'];
};

/** Where one step of a saga is. */
export type StepStatus =
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'FAILED'
  | 'PENDING'
  | 'RUNNING'
  | 'SKIPPED'
  | 'SUCCEEDED';

export type Subscription = {
  __typename?: 'Subscription';
  /** Ticks every intervalMs milliseconds (100 to 60000) until the client stops. */
  heartbeat: Heartbeat;
};


export type SubscriptionHeartbeatArgs = {
  intervalMs?: Scalars['Int']['input'];
};

export type ServiceInfoQueryVariables = Exact<{ [key: string]: never; }>;


export type ServiceInfoQuery = { serviceInfo: { name: string, version: string, transport: string, database: string, startedAt: string } };

export type HeartbeatSubscriptionVariables = Exact<{
  intervalMs: number;
}>;


export type HeartbeatSubscription = { heartbeat: { sequence: number, at: string } };


export const ServiceInfoDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ServiceInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serviceInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"transport"}},{"kind":"Field","name":{"kind":"Name","value":"database"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}}]}}]}}]} as unknown as DocumentNode<ServiceInfoQuery, ServiceInfoQueryVariables>;
export const HeartbeatDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Heartbeat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"intervalMs"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"heartbeat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"intervalMs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"intervalMs"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<HeartbeatSubscription, HeartbeatSubscriptionVariables>;