import { Field, ID, ObjectType } from 'type-graphql';
import { SagaStatus } from './enums';
import { SagaEventType, SagaStepType, SagaType } from './saga';

@ObjectType({ description: 'A committed change of one saga: its state after the change and the events it added.' })
export class SagaUpdate {
  @Field(() => SagaType) saga!: SagaType;
  @Field(() => [SagaEventType]) events!: SagaEventType[];
}

@ObjectType({ description: 'A change of one step, with the event that caused it.' })
export class SagaStepUpdate {
  @Field(() => ID) sagaId!: string;
  @Field(() => ID, { description: 'The saga\'s business key (the order id of an order saga); see `businessKey`.' }) orderId!: string;
  @Field({ description: 'The saga\'s business key, unique per saga type.' }) businessKey!: string;
  @Field(() => SagaStatus) sagaStatus!: SagaStatus;
  @Field(() => SagaStepType) step!: SagaStepType;
  @Field(() => SagaEventType) event!: SagaEventType;
}

@ObjectType({ description: 'An event in the cross-saga feed, with the cursor to resume after it.' })
export class SagaFeedEvent {
  @Field({ description: 'Pass as `after` to resume right after this event.' }) cursor!: string;
  @Field() sagaType!: string;
  @Field(() => SagaStatus, { description: 'The saga\'s status when the event was read.' }) sagaStatus!: SagaStatus;
  @Field(() => SagaEventType) event!: SagaEventType;
}
