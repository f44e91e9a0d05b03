import type { CommandSpec, SagaContext, SagaDefinition, StepDefinition } from './definition';
import type { SagaEvent, SagaEventType } from './events';
import { toOutboxMessage, type OutboxMessage } from './outbox';
import type { SagaState, SentCommand, StepState } from './state';

/** What every engine function returns: the new state, messages to publish, history to append. */
export interface SagaTransition<D> {
  state: SagaState<D>;
  outbox: OutboxMessage[];
  events: SagaEvent[];
}

/**
 * One transition in the making. It works on a private deep copy of the state, so engine
 * functions stay pure for their callers while reading like plain imperative steps inside;
 * unless the caller hands the state over (`ctx.handsOverState`), then it works on it in place.
 */
export class Transition<D> {
  readonly state: SagaState<D>;
  readonly outbox: OutboxMessage[] = [];
  readonly events: SagaEvent[] = [];

  constructor(
    readonly def: SagaDefinition<D>,
    state: SagaState<D>,
    readonly ctx: SagaContext,
  ) {
    this.state = ctx.handsOverState ? state : structuredClone(state);
  }

  get nowMs(): number {
    return this.ctx.now.getTime();
  }

  event(type: SagaEventType, step: string | null, detail: Record<string, unknown> = {}): void {
    this.events.push({ type, step, detail, atMs: this.nowMs });
  }

  warn(step: string | null, warning: string): void {
    this.state.warnings.push(warning);
    this.event('WARNING', step, { warning });
  }

  stepState(name: string): StepState {
    const s = this.state.steps.find((x) => x.name === name);
    // Only reachable with a state that does not belong to this definition version.
    if (!s) throw new Error(`saga ${this.state.id} has no step '${name}'`);
    return s;
  }

  stepDef(name: string): StepDefinition<D> {
    const s = this.def.steps.find((x) => x.name === name);
    if (!s) throw new Error(`definition ${this.def.name} v${this.def.version} has no step '${name}'`);
    return s;
  }

  /** Sends new commands: fresh eventIds, retryCount 0. */
  send(step: string | null, specs: CommandSpec[], causationId: string | null): SentCommand[] {
    const sent = specs.map((spec) => ({ eventId: this.ctx.newId(), ...spec, causationId }));
    this.publish(step, sent, 0);
    return sent;
  }

  /** Re-sends commands exactly, same eventIds, so receivers can drop what they already did. */
  resend(step: string, sent: SentCommand[], retryCount: number): void {
    this.publish(step, sent, retryCount);
  }

  private publish(step: string | null, sent: SentCommand[], retryCount: number): void {
    const envelope = {
      sagaId: this.state.id,
      businessKey: { field: this.def.businessKeyField, value: this.state.businessKey },
      correlationId: this.state.correlationId,
      timestamp: this.ctx.now.toISOString(),
    };
    for (const command of sent) {
      this.outbox.push(toOutboxMessage(command, envelope, retryCount, step));
      this.event('COMMAND_SENT', step, {
        eventId: command.eventId,
        topic: command.topic,
        eventType: command.eventType,
        retryCount,
      });
    }
  }

  done(): SagaTransition<D> {
    if (this.events.length > 0) this.state.updatedAtMs = this.nowMs;
    return { state: this.state, outbox: this.outbox, events: this.events };
  }
}
