import { IsIn, IsOptional, Length } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum BulkActionKind {
  COMPENSATE = 'COMPENSATE',
  ABORT = 'ABORT',
  RESUME = 'RESUME',
  RETRY_STEP = 'RETRY_STEP',
  RESEND_COMMAND = 'RESEND_COMMAND',
}
registerEnumType(BulkActionKind, { name: 'BulkActionKind', description: 'The manual action a bulk action runs on each saga of its selection.' });

export enum BulkActionStatus {
  PREVIEWED = 'PREVIEWED',
  EXPIRED = 'EXPIRED',
  RUNNING = 'RUNNING',
  FINISHED = 'FINISHED',
}
registerEnumType(BulkActionStatus, { name: 'BulkActionStatus', description: 'PREVIEWED (may be run until expiresAt), EXPIRED (was not run in time), RUNNING, FINISHED.' });

export enum BulkItemStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(BulkItemStatus, {
  name: 'BulkItemStatus',
  description: 'One saga\'s outcome: FAILED carries the refusal\'s code (e.g. INVALID_STATE when its state changed since the preview); SKIPPED: it was already where the action leads (code ALREADY_DONE).',
});

export enum BulkProgressKind {
  ITEM = 'ITEM',
  SUMMARY = 'SUMMARY',
}
registerEnumType(BulkProgressKind, { name: 'BulkProgressKind', description: 'ITEM: one saga\'s outcome was recorded; SUMMARY: the run finished (the last event).' });

@InputType({ description: 'What to do to each saga of the selection.' })
export class BulkActionInput {
  @Field(() => BulkActionKind) @IsIn(Object.values(BulkActionKind)) action!: BulkActionKind;
  @Field(() => String, { nullable: true, description: 'The step, for RETRY_STEP and RESEND_COMMAND (only for those).' })
  @IsOptional() @Length(1, 100) step?: string | null;
}

@ArgsType()
export class RunBulkActionArgs {
  @Field(() => ID, { description: 'The token previewBulkAction returned.' }) @Length(1, 100) token!: string;
  @Field({ description: 'Why; recorded in each saga\'s event log.' }) @Length(3, 500) reason!: string;
  @Field({ description: 'Client-chosen key; repeating the request with it returns the run instead of refusing it.' }) @Length(8, 200) idempotencyKey!: string;
}

@ObjectType('BulkActionItem', { description: 'One saga of a bulk action\'s selection and what the run did to it.' })
export class BulkActionItemType {
  @Field(() => ID) sagaId!: string;
  @Field(() => Int, { description: 'Place in the selection, from 1.' }) position!: number;
  @Field(() => Int, { description: 'The saga\'s version when the selection was made.' }) versionAtPreview!: number;
  @Field(() => BulkItemStatus) status!: BulkItemStatus;
  @Field(() => String, { nullable: true, description: 'Error code of a FAILED item (e.g. INVALID_STATE), ALREADY_DONE for a SKIPPED one.' }) code!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => Int, { nullable: true, description: 'Order in which outcomes were recorded (1, 2, ...); pass the last one seen as bulkActionProgress\'s afterSequence.' }) sequence!: number | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType('BulkAction', { description: 'A bulk action: a frozen selection of sagas, the action, and the run\'s progress.' })
export class BulkActionType {
  @Field(() => ID) id!: string;
  @Field(() => BulkActionKind) action!: BulkActionKind;
  @Field(() => String, { nullable: true }) step!: string | null;
  @Field(() => BulkActionStatus) status!: BulkActionStatus;
  @Field(() => GraphQLJSONObject, { description: 'The `sagas` filter the selection was made with.' }) filter!: Record<string, unknown>;
  @Field(() => Int, { description: 'Sagas in the selection.' }) total!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) skipped!: number;
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
  @Field() expiresAt!: Date;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) startedBy!: string | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType({ description: 'A frozen selection: run it with runBulkAction(token) before expiresAt.' })
export class BulkActionPreview {
  @Field(() => ID, { description: 'Pass to runBulkAction; also the bulk action\'s id.' }) token!: string;
  @Field(() => [ID], { description: 'Exactly the sagas a run will act on, newest first.' }) sagaIds!: string[];
  @Field(() => Int) count!: number;
  @Field({ description: 'More sagas matched than `limit`; only the first `limit` were selected.' }) truncated!: boolean;
  @Field() expiresAt!: Date;
  @Field(() => BulkActionKind) action!: BulkActionKind;
  @Field(() => String, { nullable: true }) step!: string | null;
}

@ObjectType({ description: 'Progress of a run: one ITEM event per saga as its outcome is recorded, then one SUMMARY event.' })
export class BulkActionProgress {
  @Field(() => BulkProgressKind) kind!: BulkProgressKind;
  @Field(() => ID) bulkActionId!: string;
  @Field(() => Int, { description: 'The item\'s sequence (ITEM); the number of items recorded (SUMMARY).' }) sequence!: number;
  @Field(() => BulkActionItemType, { nullable: true, description: 'Set for ITEM.' }) item!: BulkActionItemType | null;
  @Field(() => BulkActionType, { nullable: true, description: 'The bulk action with its final counts; set for SUMMARY.' }) summary!: BulkActionType | null;
}
