import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SagaStatus } from './enums';

@ObjectType({ description: 'How many sagas of the window are in one status.' })
export class SagaStatusCount {
  @Field(() => SagaStatus) status!: SagaStatus;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'Dashboard numbers over a time window ending now.' })
export class SagaStats {
  @Field(() => Int, { description: 'The window, in seconds.' }) windowSeconds!: number;
  @Field({ description: 'Start of the window.' }) since!: Date;
  @Field(() => [SagaStatusCount], { description: 'Sagas started in the window, per status; every status is listed, zeros included.' }) byStatus!: SagaStatusCount[];
  @Field(() => Int, { description: 'Sagas started in the window.' }) total!: number;
  @Field(() => Int, { description: 'Sagas started in the window that are COMPLETED.' }) completed!: number;
  @Field(() => Int, { description: 'Sagas started in the window that ended any other way (failure statuses, COMPENSATION_FAILED, ABORTED).' }) failed!: number;
  @Field(() => Int, { description: 'RUNNING or COMPENSATING now, whenever they started.' }) inFlight!: number;
  @Field(() => Int, { description: 'Sagas that ended (any final status) in the window.' }) endedInWindow!: number;
  @Field(() => Float, { nullable: true, description: 'Median start-to-end duration in ms of the sagas that ended in the window; null when none did.' }) p50DurationMs!: number | null;
  @Field(() => Float, { nullable: true, description: '95th percentile start-to-end duration in ms of the sagas that ended in the window; null when none did.' }) p95DurationMs!: number | null;
}
