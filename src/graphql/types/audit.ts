import { GraphQLJSONObject } from 'graphql-scalars';
import { IsOptional, IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What a manual action really led to, judged from the saga afterwards.' })
export class AuditOutcomeType {
  @Field({ description: 'PENDING until the saga shows the result; then SUCCEEDED or FAILED.' }) status!: string;
  @Field() detail!: string;
  @Field() sagaStatus!: string;
  @Field(() => String, { nullable: true }) stepStatus!: string | null;
}

@ObjectType({ description: 'One manual action: who, with which role, why, when, on what state, and its real outcome.' })
export class AuditEntry {
  @Field(() => ID, { description: 'The idempotency key the action was sent with; for the analyst role a pseudonym (keyed hash) of it.' }) id!: string;
  @Field(() => ID) sagaId!: string;
  @Field(() => ID) orderId!: string;
  @Field() action!: string;
  @Field(() => String, { nullable: true }) step!: string | null;
  @Field() actor!: string;
  @Field(() => [String]) roles!: string[];
  @Field(() => String, { nullable: true, description: 'As the operator wrote it; `***` for the analyst role.' }) reason!: string | null;
  @Field() at!: Date;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Status, current step and version just before the action.' }) stateBefore!: Record<string, unknown> | null;
  @Field(() => AuditOutcomeType) outcome!: AuditOutcomeType;
}

@ObjectType({ description: 'A page of the audit log, newest first.' })
export class AuditPage {
  @Field(() => [AuditEntry]) entries!: AuditEntry[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' }) endCursor!: string | null;
  @Field() hasNextPage!: boolean;
}

@InputType({ description: 'Which manual actions; every field narrows.' })
export class AuditFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() sagaId?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 200) actor?: string;
  @Field({ nullable: true, description: 'compensate, abort, resume, retryStep, resendCommand, skipStep, start' }) @IsOptional() action?: string;
  @Field({ nullable: true, description: 'PENDING, SUCCEEDED or FAILED' }) @IsOptional() outcome?: string;
  @Field({ nullable: true }) @IsOptional() since?: Date;
  @Field({ nullable: true }) @IsOptional() until?: Date;
}
