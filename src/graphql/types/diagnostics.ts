import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A command a saga is waiting on, and where it is on the transport.' })
export class WaitingCommand {
  @Field() step!: string;
  @Field({ description: '`forward` or `compensation`.' }) phase!: string;
  @Field(() => ID, { description: 'Stays the same on every re-send; participants de-duplicate by it.' }) eventId!: string;
  @Field() eventType!: string;
  @Field() topic!: string;
  @Field(() => Int, { nullable: true, description: 'null until published (or -1 when sent over HTTP).' }) partition!: number | null;
  @Field(() => String, { nullable: true }) offset!: string | null;
  @Field(() => Date, { nullable: true }) publishedAt!: Date | null;
  @Field({ description: 'When the step started waiting.' }) waitingSince!: Date;
  @Field(() => Float) waitingMs!: number;
  @Field(() => Int, { description: 'Re-sends so far (attempts - 1).' }) retries!: number;
  @Field(() => Date, { nullable: true, description: 'When the current timer (timeout or retry) fires.' }) timerDueAt!: Date | null;
}
