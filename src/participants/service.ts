/**
 * The consumer loop every simulated service shares: validate, de-duplicate by eventId, apply the
 * scenario (silent, late, duplicate replies), call the service's handler and publish the
 * replies of a whole batch in one `publish` call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIncoming, type ContractMessage, type EventType, type PayloadOf, type Topic } from '../sagas/order/contract';
import type { MessageTransport, OutgoingMessage, Subscription, TransportMessage } from '../runtime/ports';
import type { Logger } from '../logger';
import { failSpan, messagingAttributes, remoteContext, SpanKind, startSpan, tracingEnabled } from '../tracing/tracing';
import { replyHeaders, replyTo } from './envelope';
import type { Ledger, ServiceName } from './ledger';
import { HAPPY, ScenarioBook, type Scenario } from './scenario';

export type Reply = <K extends EventType>(eventType: K, payload: PayloadOf<K>) => void;

export interface ServiceSpec {
  name: ServiceName;
  topics: Topic[];
  /** False for services that never consult the scenario (they need not wait for the order). */
  usesScenario?: boolean;
  /** Applies the command's effect to the ledger and states the reply (or replies). */
  handle(command: ContractMessage, scenario: Scenario, reply: Reply): void;
}

export interface ServiceDeps {
  transport: MessageTransport;
  groupId: string;
  ledger: Ledger;
  scenarios: ScenarioBook;
  logger: Logger;
  replyDelayMs: number;
  lateReplyMs: number;
  onlyOwnOrders: boolean;
  orderLookupMs: number;
  /** Pending late replies, cleared on stop. */
  timers: Set<NodeJS.Timeout>;
}

/** What was answered to one command eventId, so a re-send gets the very same reply. */
interface Answered {
  retryCount: number;
  replies: OutgoingMessage[];
  /** False until the publish succeeded: a redelivered batch then sends the replies again. */
  delivered: boolean;
}

/** Re-sends come within the orchestrator's retry window; older answers are forgotten to bound memory. */
const REMEMBERED_COMMANDS = 200_000;

export async function startService(spec: ServiceSpec, deps: ServiceDeps): Promise<Subscription> {
  const { ledger, scenarios, logger, transport } = deps;
  const answered = new Map<string, Answered>();
  const remember = (eventId: string, a: Answered) => {
    answered.set(eventId, a);
    if (answered.size > REMEMBERED_COMMANDS) answered.delete(answered.keys().next().value as string);
  };

  const scenarioOf = (command: ContractMessage): Scenario => {
    // Commands that carry the customer are self-describing; the others are looked up by order.
    if ('customerId' in command) return scenarios.register(command.orderId, command.customerId);
    return scenarios.get(command.orderId) ?? HAPPY;
  };

  const handleBatch = async (batch: TransportMessage[]) => {
    const commands: { message: TransportMessage; command: ContractMessage }[] = [];
    for (const message of batch) {
      ledger.count(spec.name, 'received');
      const parsed = parseIncoming(message.topic, message.value);
      if (!parsed.ok) {
        ledger.count(spec.name, 'invalid');
        logger.warn({ topic: message.topic, offset: message.offset, error: parsed.error }, 'invalid command dropped');
        continue;
      }
      commands.push({ message, command: parsed.message });
    }
    if (!deps.onlyOwnOrders && spec.usesScenario !== false) {
      const unknown = commands.filter(({ command }) => !('customerId' in command) && !answered.has(command.eventId)).map(({ command }) => command.orderId);
      await scenarios.waitFor(unknown, deps.orderLookupMs);
    }

    const out: OutgoingMessage[] = [];
    const sent: Answered[] = [];
    for (const { message, command } of commands) {
      const known = answered.get(command.eventId);
      const resendScenario = known && command.retryCount > known.retryCount ? scenarioOf(command) : undefined;
      if (known && resendScenario?.ignoreResend.has(command.eventType)) {
        known.retryCount = command.retryCount;
        ledger.count(spec.name, 'silenced');
        continue;
      }
      if (known && !resendScenario?.forget.has(command.eventType)) {
        if (command.retryCount > known.retryCount || !known.delivered) {
          // A re-send (or a batch redelivered after a failed publish): the same reply again, no new effect.
          known.retryCount = Math.max(known.retryCount, command.retryCount);
          if (known.delivered) ledger.count(spec.name, 'resent');
          out.push(...known.replies);
          sent.push(known);
        } else {
          ledger.count(spec.name, 'duplicates');
        }
        continue;
      }
      if (deps.onlyOwnOrders && !scenarios.isOwn(command.orderId)) {
        ledger.count(spec.name, 'ignored');
        continue;
      }
      const scenario = scenarioOf(command);
      if (scenario.silent.has(command.eventType)) {
        remember(command.eventId, { retryCount: command.retryCount, replies: [], delivered: true });
        ledger.count(spec.name, 'silenced');
        continue;
      }
      let replies: OutgoingMessage[] = [];
      const span = participantSpan(spec.name, message, command);
      const headers = replyHeaders(message.headers, span);
      try {
        spec.handle(command, scenario, (eventType, payload) => { replies.push(replyTo(command, eventType, payload, headers)); });
      } catch (error) {
        // A command the simulator cannot apply is reported, never allowed to stop the consumer.
        ledger.count(spec.name, 'invalid');
        logger.warn({ eventType: command.eventType, orderId: command.orderId, err: error }, 'command could not be applied');
        if (span) failSpan(span, error);
        continue;
      } finally {
        span?.setAttribute('participant.replies', replies.map((r) => r.topic).join(','));
        span?.end();
      }
      if (scenario.duplicateReplies) replies = replies.flatMap((r) => [r, r]);
      const answer: Answered = { retryCount: command.retryCount, replies, delivered: false };
      remember(command.eventId, answer);
      if (scenario.late.has(command.eventType) && command.retryCount === 0) {
        answer.delivered = true;
        later(replies);
      } else {
        out.push(...replies);
        sent.push(answer);
      }
    }
    if (out.length === 0) return;
    if (deps.replyDelayMs > 0) await sleep(deps.replyDelayMs);
    await transport.publish(out);
    ledger.count(spec.name, 'replies', out.length);
    for (const a of sent) a.delivered = true;
  };

  const later = (replies: OutgoingMessage[]) => {
    if (replies.length === 0) return;
    const timer = setTimeout(() => {
      deps.timers.delete(timer);
      transport.publish(replies).then(
        () => ledger.count(spec.name, 'replies', replies.length),
        (error: unknown) => logger.warn({ err: error }, 'late reply could not be published'),
      );
    }, deps.lateReplyMs);
    deps.timers.add(timer);
  };

  return transport.subscribe({ groupId: deps.groupId, topics: spec.topics, fromBeginning: true }, handleBatch);
}


/** The simulated service's span for one command (tracing on): a child of the step that sent it. */
function participantSpan(service: ServiceName, message: TransportMessage, command: ContractMessage) {
  if (!tracingEnabled()) return undefined;
  return startSpan(`${service} ${command.eventType}`, remoteContext(message.headers.traceparent), {
    ...messagingAttributes(message, 'process'), 'messaging.message.id': command.eventId, 'participant.service': service,
    ...(command.sagaId ? { 'saga.id': command.sagaId } : {}),
  }, SpanKind.CONSUMER);
}
