import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { SagaStatus, StepStatus } from './enums';

@ObjectType({ description: 'A message a compensation would send (before the envelope).' })
export class PlannedCommand {
  @Field() topic!: string;
  @Field() eventType!: string;
  @Field(() => GraphQLJSONObject) payload!: Record<string, unknown>;
}

@ObjectType('PlannedCompensation', { description: 'One compensation that would run.' })
export class PlannedCompensationType {
  @Field() step!: string;
  @Field() participant!: string;
  @Field(() => StepStatus, { description: 'The step\'s status now.' }) stepStatus!: StepStatus;
  @Field({ description: 'Already running: its commands are the ones it actually sent.' }) inProgress!: boolean;
  @Field(() => [PlannedCommand]) commands!: PlannedCommand[];
}

@ObjectType({ description: 'Dry run: what compensating the saga now would do, in order. Nothing is sent or changed.' })
export class CompensationPlan {
  @Field(() => ID) sagaId!: string;
  @Field(() => SagaStatus) sagaStatus!: SagaStatus;
  @Field(() => Int, { description: 'The saga version the plan was computed from.' }) sagaVersion!: number;
  @Field({ description: 'Pass to compensateSaga: it then runs only if the saga has not changed since this plan.' }) planToken!: string;
  @Field(() => [String], { description: 'Roles that may run this compensation (any one of them; admin always may). A refund needs finance.' }) requiredRoles!: string[];
  @Field(() => [PlannedCompensationType], { description: 'Latest step first (the one in progress, if any, leads); empty when nothing has effects to undo.' }) compensations!: PlannedCompensationType[];
}
