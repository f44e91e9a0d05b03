import { setTimeout as sleep } from 'node:timers/promises';
import { Arg, Authorized, Ctx, Field, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../context';

@ObjectType({ description: 'What this orchestrator instance runs on.' })
export class ServiceInfo {
  @Field() name!: string;
  @Field() version!: string;
  @Field({ description: '`kafka` or `in-process`' }) transport!: string;
  @Field({ description: '`external` or `embedded`' }) database!: string;
  @Field() startedAt!: Date;
}

@ObjectType({ description: 'Who is calling: the API key\'s actor and roles (a UI shows only what they allow).' })
export class Caller {
  @Field() actor!: string;
  @Field(() => [String]) roles!: string[];
}

@ObjectType({ description: 'A liveness tick on a subscription; lets a client check its socket end to end.' })
export class Heartbeat {
  @Field(() => Int) sequence!: number;
  @Field() at!: Date;
}

export function serviceInfoResolver(info: ServiceInfo) {
  @Resolver()
  class ServiceInfoResolver {
    @Authorized()
    @Query(() => ServiceInfo)
    serviceInfo(): ServiceInfo {
      return info;
    }

    @Authorized()
    @Query(() => Caller, { description: 'The caller, as its API key identifies it.' })
    me(@Ctx() ctx: GraphQLContext): Caller {
      return { actor: ctx.viewer!.actor, roles: ctx.viewer!.roles };
    }

    @Authorized()
    @Subscription(() => Heartbeat, {
      description: 'Ticks every intervalMs milliseconds (100 to 60000) until the client stops.',
      subscribe: ({ args }) => heartbeats(Math.min(60000, Math.max(100, (args as { intervalMs: number }).intervalMs))),
    })
    heartbeat(@Arg('intervalMs', () => Int, { defaultValue: 1000 }) _intervalMs: number, @Root() tick: Heartbeat): Heartbeat {
      return tick;
    }
  }
  return ServiceInfoResolver;
}

async function* heartbeats(intervalMs: number): AsyncGenerator<Heartbeat> {
  for (let sequence = 1; ; sequence++) {
    await sleep(intervalMs);
    yield { sequence, at: new Date() };
  }
}
