import { Field, Int, ObjectType } from 'type-graphql';
import { SagaType } from './saga';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'More sagas follow the last edge: ask again with `after: endCursor`.' }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; null on an empty page.' }) endCursor!: string | null;
}

@ObjectType({ description: 'A saga and its opaque position in the list.' })
export class SagaEdge {
  @Field({ description: 'Opaque keyset position; pass it as `after` to continue after this saga.' }) cursor!: string;
  @Field(() => SagaType) node!: SagaType;
}

@ObjectType({ description: 'A page of sagas, newest first (by start time, then id).' })
export class SagaConnection {
  @Field(() => [SagaEdge]) edges!: SagaEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  /** Filled by the totalCount field resolver, so the count runs only when asked for. */
  @Field(() => Int, { description: 'How many sagas match the filter, over all pages.' }) totalCount!: number;
}
