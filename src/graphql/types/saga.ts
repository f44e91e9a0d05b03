import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { AnySagaState } from '../../runtime/ports';
import { SagaStatus, StepStatus } from './enums';

@ObjectType({ description: 'One entry of a saga\'s append-only log: a transition, a message in or out, or a manual action.' })
export class SagaEventType {
  @Field(() => ID) sagaId!: string;
  @Field(() => Int, { description: 'Gapless per saga, from 1; resume a stream after the last one seen.' }) sequence!: number;
  @Field() type!: string;
  @Field(() => String, { nullable: true }) step!: string | null;
  @Field(() => GraphQLJSONObject, { description: 'For the analyst role with personal fields and free text masked.' }) detail!: Record<string, unknown>;
  @Field({ description: '`system`, or the operator of a manual action.' }) actor!: string;
  @Field() at!: Date;
}

@ObjectType({ description: 'The durable timer a saga waits on: a step timeout or a retry back-off.' })
export class SagaTimerType {
  @Field() dueAt!: Date;
  @Field() purpose!: string;
  @Field() step!: string;
  @Field() phase!: string;
  @Field(() => Int) attempt!: number;
}

@ObjectType({ description: 'One step of a saga as it stands.' })
export class SagaStepType {
  @Field() name!: string;
  @Field(() => Int) position!: number;
  @Field(() => StepStatus) status!: StepStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Int) compensationAttempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) endedAt!: Date | null;
  @Field(() => Date, { nullable: true }) compensationStartedAt!: Date | null;
  @Field(() => Date, { nullable: true }) compensationEndedAt!: Date | null;
  @Field(() => [String], { description: 'eventIds of the commands this step sent (the same on every re-send).' }) commandEventIds!: string[];
}

@ObjectType('UnkeptEffect', { description: 'An effect a participant reported that the saga does not keep (e.g. a second charge), and its undo (e.g. a refund).' })
export class UnkeptEffectType {
  @Field() step!: string;
  @Field({ description: 'Identifies the effect, e.g. the paymentId.' }) key!: string;
  @Field({ description: 'UNDOING, UNDONE, or FAILED (gave up: resumeSaga sends it again).' }) status!: string;
  @Field(() => ID, { description: 'eventId of the reply that reported it (the undo\'s causationId).' }) reportedBy!: string;
  @Field(() => GraphQLJSONObject, { description: 'What the saga knows about it, e.g. amount and paymentMethod.' }) detail!: Record<string, unknown>;
  @Field(() => Int) attempts!: number;
  @Field(() => [String], { description: 'eventIds of the undo commands (the same on every re-send).' }) commandEventIds!: string[];
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) endedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When its timeout or retry fires.' }) dueAt!: Date | null;
}

@ObjectType('Saga', { description: 'A saga: one order\'s distributed transaction.' })
export class SagaType {
  @Field(() => ID) id!: string;
  @Field({ description: 'Definition name, e.g. `order`.' }) type!: string;
  @Field(() => Int, { description: 'The definition version this saga started with and keeps.' }) definitionVersion!: number;
  @Field(() => ID, { description: 'The order an order saga is about (its business key); a saga of another type gives its business key here too: read `businessKey`.' }) orderId!: string;
  @Field({ description: 'What the saga is about, unique per saga type: the order id of an order saga, e.g. a shipment id for another type.' }) businessKey!: string;
  @Field(() => String, { nullable: true, description: 'Personal: `***` for the analyst role.' }) customerId!: string | null;
  @Field(() => SagaStatus) status!: SagaStatus;
  @Field(() => SagaStatus, { nullable: true, description: 'The status a failed saga ends in once compensated.' }) failureStatus!: SagaStatus | null;
  @Field(() => String, { nullable: true }) failureReason!: string | null;
  @Field(() => String, { nullable: true }) currentStep!: string | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => [String]) warnings!: string[];
  @Field(() => String, { nullable: true, description: 'Decimal string.' }) totalAmount!: string | null;
  @Field(() => String, { nullable: true, description: 'Decimal string, after discounts.' }) finalAmount!: string | null;
  @Field(() => String, { nullable: true }) currency!: string | null;
  @Field(() => GraphQLJSONObject, { description: 'The saga\'s business data (the order, reservation, payments, ...); for the analyst role with its personal fields masked.' }) data!: Record<string, unknown>;
  @Field(() => [SagaStepType]) steps!: SagaStepType[];
  @Field(() => SagaTimerType, { nullable: true }) timer!: SagaTimerType | null;
  @Field(() => [UnkeptEffectType], { description: 'Charges and other effects the saga does not keep, and their undo (see README, Money rules).' }) unkeptEffects!: UnkeptEffectType[];
  @Field() startedAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) endedAt!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Start to final status, in milliseconds.' }) durationMs!: number | null;
  @Field(() => Int, { description: 'Optimistic-lock version: changes with every committed change.' }) version!: number;
  @Field(() => Int, { description: 'Sequence number of the last event in the log.' }) eventSequence!: number;
  @Field(() => String, { nullable: true, description: 'W3C trace id (32 hex digits) of the trace the saga runs in: every command and final event carries it in `traceparent`. Null for sagas started before tracing existed.' }) traceId!: string | null;
  /** The engine's state behind this view, for field resolvers; not exposed. */
  engineState?: AnySagaState;
}
