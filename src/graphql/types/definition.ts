import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SagaStatus } from './enums';

@ObjectType({ description: 'How a step retries: attempts and exponential back-off with jitter.' })
export class RetryPolicyInfo {
  @Field(() => Int, { description: 'Total sends, the first included.' }) maxAttempts!: number;
  @Field(() => Int) initialBackoffMs!: number;
  @Field(() => Int) maxBackoffMs!: number;
  @Field(() => Float) multiplier!: number;
  @Field(() => Float, { description: '0..1: the back-off is reduced by up to this fraction at random.' }) jitter!: number;
}

@ObjectType({ description: 'One step of a saga definition.' })
export class SagaStepDefinitionInfo {
  @Field() name!: string;
  @Field(() => Int) position!: number;
  @Field({ description: 'The participant service, e.g. `Payment`.' }) participant!: string;
  @Field() description!: string;
  @Field({ description: 'Runs only when its condition holds (e.g. a coupon code was given); skipped otherwise.' }) optional!: boolean;
  @Field(() => Int, { description: 'Reply timeout per attempt.' }) timeoutMs!: number;
  @Field(() => RetryPolicyInfo) retry!: RetryPolicyInfo;
  @Field({ description: 'An operator may skip it, supplying an output matching outputSchema.' }) skippable!: boolean;
  @Field(() => SagaStatus, { description: 'The saga\'s final status when this step fails.' }) failureStatus!: SagaStatus;
  @Field({ description: 'It can be undone.' }) hasCompensation!: boolean;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'JSON-schema-like shape of the output an operator supplies when skipping.' }) outputSchema!: Record<string, unknown> | null;
}

export const RUNNING_INSTANCES = 'Sagas still running on this version: RUNNING, COMPENSATING or COMPENSATION_FAILED, or with a '
  + 'timer armed (an ended saga still undoing an unkept effect). While there are any, the version must stay registered unchanged.';

@ObjectType({ description: 'A registered saga definition (one version).' })
export class SagaDefinitionInfo {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'New sagas of this name start with this version.' }) latest!: boolean;
  @Field({
    description: 'Hash of the settings that decide how its sagas run (`sha256:` and 64 hex digits): its steps in order with their '
      + 'timeouts, retry policies, replies and compensations, and its declared settings such as the coupon policy. A service '
      + 'refuses to start when sagas still running on this name@version started with another fingerprint (README, "Versions and fingerprints").',
  }) fingerprint!: string;
  /** Filled by the runningInstances field resolver, so the count runs only when asked for. */
  @Field(() => Int, { description: RUNNING_INSTANCES }) runningInstances!: number;
  @Field(() => [SagaStatus], { description: 'The final statuses besides COMPLETED.' }) failureStatuses!: SagaStatus[];
  @Field(() => [SagaStepDefinitionInfo]) steps!: SagaStepDefinitionInfo[];
}
