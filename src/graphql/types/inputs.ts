import { GraphQLJSONObject } from 'graphql-scalars';
import { ArrayMinSize, IsOptional, IsUUID, Length, Matches, Min, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { SagaStatus, StepStatus } from './enums';

const MONEY = /^\d+(\.\d{1,4})?$/;

@InputType({ description: 'A line of an order.' })
export class OrderItemInput {
  // Any text, as the wire contract has it (the demo's products are prod-1001, ...).
  @Field(() => ID) @Length(1, 100) productId!: string;
  @Field() @Length(1, 100) sku!: string;
  @Field(() => Int) @Min(1) quantity!: number;
  @Field({ description: 'Decimal string, e.g. "19.90".' }) @Matches(MONEY) unitPrice!: string;
}

@InputType({ description: 'One part of a split payment.' })
export class PaymentPartInput {
  @Field() @Length(1, 100) paymentMethod!: string;
  @Field({ description: 'Decimal string.' }) @Matches(MONEY) amount!: string;
}

@InputType({ description: 'An order to run a saga for, as the Order service would announce it.' })
export class StartSagaInput {
  @Field(() => ID, { nullable: true, description: 'Defaults to a new id.' }) @IsOptional() @IsUUID() orderId?: string;
  @Field() @Length(1, 200) customerId!: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 100) orderNumber?: string;
  @Field() @Matches(/^[A-Z]{3}$/, { message: 'currency must be 3 uppercase letters (ISO 4217)' }) currency!: string;
  @Field(() => [OrderItemInput]) @ArrayMinSize(1) @ValidateNested({ each: true }) items!: OrderItemInput[];
  @Field({ description: 'Decimal string.' }) @Matches(MONEY, { message: 'totalAmount must be a decimal string like "129.90"' }) totalAmount!: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 100) couponCode?: string;
  @Field({ nullable: true, description: 'Single payment; give this or payments.' }) @IsOptional() @Length(1, 100) paymentMethod?: string;
  @Field(() => [PaymentPartInput], { nullable: true, description: 'Split payment; amounts sum to totalAmount.' })
  @IsOptional() @ValidateNested({ each: true }) payments?: PaymentPartInput[];
  @Field({ nullable: true }) @IsOptional() @Length(3, 500) reason?: string;
  @Field({ description: 'Client-chosen key; repeating a request with it returns the first result.' }) @Length(8, 200) idempotencyKey!: string;
}

@ArgsType()
export class SagaActionArgs {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ description: 'Why; recorded in the saga\'s event log.' }) @Length(3, 500) reason!: string;
  @Field({ description: 'Client-chosen key; repeating a request with it returns the first result.' }) @Length(8, 200) idempotencyKey!: string;
}

@ArgsType()
export class CompensateArgs extends SagaActionArgs {
  @Field({ nullable: true, description: 'From compensationPlan: act only if the saga is still as planned.' }) @IsOptional() @Length(1, 500) planToken?: string;
}

@ArgsType()
export class StepActionArgs {
  @Field(() => ID) @IsUUID() sagaId!: string;
  @Field() @Length(1, 100) step!: string;
  @Field({ description: 'Why; recorded in the saga\'s event log.' }) @Length(3, 500) reason!: string;
  @Field() @Length(8, 200) idempotencyKey!: string;
}

@ArgsType()
export class SkipStepArgs extends StepActionArgs {
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'What the skipped step would have produced, merged into the saga data.' })
  @IsOptional() output?: Record<string, unknown>;
}

@InputType({ description: 'Which step changes to receive; every field narrows.' })
export class StepUpdateFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() sagaId?: string;
  @Field({ nullable: true }) @IsOptional() step?: string;
  @Field(() => [StepStatus], { nullable: true }) @IsOptional() status?: StepStatus[];
}

@InputType({ description: 'Which events of the cross-saga feed to receive; every field narrows.' })
export class SagaFeedFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() sagaId?: string;
  @Field({ nullable: true, description: 'Saga definition name, e.g. `order`.' }) @IsOptional() sagaType?: string;
  @Field(() => [String], { nullable: true, description: 'Event types, e.g. STEP_FAILED, MANUAL_ACTION.' }) @IsOptional() eventTypes?: string[];
  @Field({ nullable: true }) @IsOptional() step?: string;
  @Field(() => [SagaStatus], { nullable: true, description: 'The saga\'s current status.' }) @IsOptional() sagaStatus?: SagaStatus[];
}
