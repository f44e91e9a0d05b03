import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { Arg, Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { validateMessage, type ContractMessage } from '../../sagas/order/contract';
import { ManualActionError, type ManualActionName } from '../../runtime/manual-actions';
import { permissionGuard } from '../../runtime/permissions';
import { buildCompensationPlan, versionOfPlanToken } from '../plan';
import type { GraphQLContext } from '../context';
import { orderAmountIssues } from '../../sagas/order/amounts';
import { asGraphQLErrors, badInput } from '../guards';
import { toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { CompensateArgs, SagaActionArgs, SkipStepArgs, StartSagaInput, StepActionArgs } from '../types/inputs';
import { SagaType } from '../types/saga';

/**
 * Manual intervention. Every mutation is recorded in the saga's event log with actor and reason,
 * is idempotent by the client's key, and is refused with a typed error code when the saga's
 * state does not allow it.
 */
export function sagaMutationResolvers(deps: Pick<SchemaDependencies, 'reads' | 'commands' | 'registry' | 'paymentMethods'>) {
  async function sagaAfter(sagaId: string): Promise<SagaType> {
    const record = await deps.reads.findById(sagaId);
    if (!record) throw new GraphQLError(`no saga with id ${sagaId}`, { extensions: { code: 'NOT_FOUND' } });
    return toSagaType(record);
  }

  async function act(
    ctx: GraphQLContext,
    action: ManualActionName,
    args: { sagaId: string; reason: string; idempotencyKey: string; step?: string; output?: Record<string, unknown> },
    expectedVersion?: number,
  ) {
    const viewer = ctx.viewer!;
    return asGraphQLErrors(async () => {
      const { sagaId } = await deps.commands.runManualAction({
        action, ...args, actor: viewer.actor, roles: viewer.roles, traceparent: ctx.traceparent,
        guard: (def, state, version) => {
          const forbidden = permissionGuard(action, args.step, viewer.roles)(def, state);
          if (forbidden) return forbidden;
          if (expectedVersion !== undefined && version !== expectedVersion) {
            const plan = buildCompensationPlan({ state, version, eventSeq: 0, createdAt: new Date(state.startedAtMs), updatedAt: new Date(state.updatedAtMs) }, deps.registry);
            return new ManualActionError('PLAN_OUTDATED', `the saga changed since the plan was made (version ${expectedVersion}, now ${version}); review the new plan`, { plan });
          }
          return null;
        },
      });
      return sagaAfter(sagaId);
    });
  }

  @Resolver()
  class SagaMutationResolver {
    @Authorized('operator')
    @Mutation(() => SagaType, { description: 'Starts an order saga, as if the Order service had announced the order (support, tests).' })
    async startSaga(@Arg('input', () => StartSagaInput) input: StartSagaInput, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      refuseBadOrder(input, deps.paymentMethods);
      const orderId = input.orderId ?? randomUUID();
      const candidate = {
        eventId: randomUUID(), eventType: 'OrderCreated', sagaId: null, orderId, correlationId: randomUUID(), causationId: null,
        timestamp: new Date().toISOString(), retryCount: 0, customerId: input.customerId, orderNumber: input.orderNumber ?? `MANUAL-${orderId.slice(0, 8)}`,
        currency: input.currency, items: input.items.map((i) => ({ ...i })), totalAmount: input.totalAmount,
        couponCode: input.couponCode ?? null, paymentMethod: input.paymentMethod ?? null,
        payments: input.payments?.map((p) => ({ ...p })) ?? null,
      };
      const checked = validateMessage('OrderCreated', candidate);
      if (!checked.ok) throw badInput(checked.error);
      const viewer = ctx.viewer!;
      return asGraphQLErrors(async () => {
        const { sagaId } = await deps.commands.startManually(checked.message as ContractMessage, {
          actor: viewer.actor, roles: viewer.roles, idempotencyKey: input.idempotencyKey, reason: input.reason ?? null,
          request: { ...input, idempotencyKey: undefined }, traceparent: ctx.traceparent,
        });
        return sagaAfter(sagaId);
      });
    }

    @Authorized('support', 'operator', 'finance')
    @Mutation(() => SagaType, { description: 'Compensates the saga now: undoes every completed step in reverse order, ending COMPENSATED. With `planToken` (from compensationPlan) it runs only if the saga has not changed since the plan; otherwise PLAN_OUTDATED with the new plan in extensions.plan. A refund needs role finance.' })
    compensateSaga(@Args(() => CompensateArgs) args: CompensateArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      const expected = args.planToken ? versionOfPlanToken(args.planToken, args.id) : undefined;
      return act(ctx, 'compensate', { sagaId: args.id, reason: args.reason, idempotencyKey: args.idempotencyKey }, expected);
    }

    @Authorized('support', 'operator', 'finance')
    @Mutation(() => SagaType, { description: 'Re-sends the commands of the step in progress (same eventIds, retryCount + 1).' })
    retryStep(@Args(() => StepActionArgs) args: StepActionArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      return act(ctx, 'retryStep', args);
    }

    @Authorized('support', 'operator', 'finance')
    @Mutation(() => SagaType, { description: 'Re-publishes the commands a step waits on with the same eventIds and retryCount + 1 (idempotent for participants that de-duplicate); works for a forward step or a compensation in progress.' })
    resendCommand(@Args(() => StepActionArgs) args: StepActionArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      return act(ctx, 'resendCommand', args);
    }

    @Authorized('support', 'operator', 'finance')
    @Mutation(() => SagaType, { description: 'Skips the running step where its definition allows it, taking `output` as its result.' })
    skipStep(@Args(() => SkipStepArgs) args: SkipStepArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      return act(ctx, 'skipStep', args);
    }

    @Authorized('operator')
    @Mutation(() => SagaType, { description: 'Stops the saga without compensating: ABORTED; the operator owns the order from here.' })
    abortSaga(@Args(() => SagaActionArgs) args: SagaActionArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      return act(ctx, 'abort', { sagaId: args.id, reason: args.reason, idempotencyKey: args.idempotencyKey });
    }

    @Authorized('support', 'operator', 'finance')
    @Mutation(() => SagaType, { description: 'Re-arms a stuck saga: re-sends the running step, or carries on compensating.' })
    resumeSaga(@Args(() => SagaActionArgs) args: SagaActionArgs, @Ctx() ctx: GraphQLContext): Promise<SagaType> {
      return act(ctx, 'resume', { sagaId: args.id, reason: args.reason, idempotencyKey: args.idempotencyKey });
    }
  }
  return [SagaMutationResolver];
}

/**
 * The order's money rules (sagas/order/amounts.ts, the same ones OrderCreated from Kafka must
 * meet) and the configured payment methods: BAD_USER_INPUT naming every wrong field.
 */
function refuseBadOrder(input: StartSagaInput, paymentMethods: readonly string[]): void {
  const issues = orderAmountIssues(input, paymentMethods);
  if (input.paymentMethod && input.payments?.length) issues.push({ path: ['paymentMethod'], message: 'give paymentMethod or payments, not both' });
  if (issues.length === 0) return;
  const fields = issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  throw new GraphQLError(`invalid order: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, {
    extensions: { code: 'BAD_USER_INPUT', argumentName: 'input', fields },
  });
}
