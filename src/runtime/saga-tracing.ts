/**
 * How the processor places sagas in traces. Each saga keeps the `traceparent` it started in
 * (SagaState.traceparent); every command and final event it sends carries one. With tracing off
 * that is the saga's own, passed on unchanged; with tracing on it is the span of the step (or
 * transition) that sent the message, so a participant's span is that span's child.
 */
import type { Attributes, Link, Span } from '@opentelemetry/api';
import type { OutboxMessage } from '../core';
import type { WireMessage } from '../messaging/contract';
import type { TransportMessage } from './ports';
import { contextOf, linkTo, messagingAttributes, remoteContext, SpanKind, startSpan, tracingEnabled, traceparentOf } from '../tracing/tracing';
import { newTraceparent, parseTraceparent } from '../tracing/traceparent';
import type { AnySagaState } from './ports';

/** A transition in progress: its span when tracing is on, and the traceparent its messages get. */
export interface TransitionTrace {
  span?: Span;
  traceparent?: string;
}

const OFF: TransitionTrace = {};

/** A valid incoming `traceparent` header, or undefined. */
export function incomingTraceparent(raw: Pick<TransportMessage, 'headers'>): string | undefined {
  const value = raw.headers.traceparent;
  return value && parseTraceparent(value) ? value : undefined;
}

/** The span of one consumed batch (one topic-partition); its messages' traces are linked. */
export function batchSpan(messages: TransportMessage[]): Span | undefined {
  if (!tracingEnabled() || messages.length === 0) return undefined;
  const first = messages[0];
  const links: Link[] = [];
  for (const m of messages.slice(0, 128)) links.push(...linkTo(incomingTraceparent(m)));
  return startSpan(`process ${first.topic}`, remoteContext(null), {
    ...messagingAttributes(first, 'process'), 'messaging.batch.message_count': messages.length,
  }, SpanKind.CONSUMER, links);
}

/** The span of one consumed message, a child of its sender's span when it carried a traceparent. */
export function messageSpan(raw: TransportMessage, message: WireMessage): Span | undefined {
  if (!tracingEnabled()) return undefined;
  return startSpan(`process ${message.eventType}`, remoteContext(incomingTraceparent(raw)), {
    ...messagingAttributes(raw, 'process'), 'messaging.message.id': message.eventId,
    ...(message.sagaId ? { 'saga.id': message.sagaId } : {}),
  }, SpanKind.CONSUMER);
}

/**
 * The trace a new saga starts in: under the message's span (or the request's traceparent) when
 * tracing is on; off, the incoming traceparent itself, or a new one.
 */
export function startTransition(name: string, sagaId: string, sagaType: string, incoming: string | undefined, parent?: Span, actor?: string): TransitionTrace {
  if (!tracingEnabled()) return { traceparent: incoming ?? newTraceparent() };
  const span = startSpan(name, parent ? contextOf(parent) : remoteContext(incoming), {
    'saga.id': sagaId, 'saga.type': sagaType, ...actorAttributes(actor),
  });
  return { span, traceparent: traceparentOf(span) };
}

/**
 * A transition of a stored saga (reply, timer, manual action). It joins the saga's trace: under
 * the message's span when the message carried a traceparent, else under the saga's own trace
 * context, linked to the message's span.
 */
export function continueTransition(
  name: string, state: AnySagaState, message?: { raw: TransportMessage; span?: Span }, actor?: string, requestTraceparent?: string,
): TransitionTrace {
  if (!tracingEnabled()) return state.traceparent ? { traceparent: state.traceparent } : OFF;
  const viaMessage = message?.span && incomingTraceparent(message.raw) !== undefined;
  const parent = viaMessage ? contextOf(message!.span!) : remoteContext(state.traceparent);
  const links = !viaMessage && message?.span ? [{ context: message.span.spanContext() }] : linkTo(requestTraceparent);
  const span = startSpan(name, parent, {
    'saga.id': state.id, 'saga.type': state.definitionName, ...actorAttributes(actor),
  }, SpanKind.INTERNAL, links);
  return { span, traceparent: traceparentOf(span) };
}

function actorAttributes(actor: string | undefined): Attributes {
  return actor ? { 'saga.actor': actor, 'enduser.id': actor } : {};
}

/**
 * Puts a traceparent on each outgoing message. With tracing on, each command gets a span of its
 * own (the step, or its compensation) under the transition's, and carries that span's context.
 */
export function traceOutbox(t: TransitionTrace, state: AnySagaState, outbox: OutboxMessage[]): void {
  if (!t.traceparent) return;
  for (const m of outbox) {
    if (m.headers?.traceparent) continue;
    let traceparent = t.traceparent;
    if (t.span && m.step !== null) {
      const step = state.steps.find((s) => s.name === m.step);
      const compensating = step?.compensationEventIds.includes(m.eventId) ?? false;
      const span = startSpan(`${compensating ? 'compensate' : 'step'} ${m.step}`, contextOf(t.span), {
        'saga.id': state.id, 'saga.type': state.definitionName, 'saga.step': m.step,
        'saga.step.phase': compensating ? 'compensation' : 'forward', 'saga.step.attempt': (compensating ? step?.compensationAttempts : step?.attempts) ?? 0,
        'messaging.destination.name': m.topic, 'messaging.message.id': m.eventId, 'saga.command': m.eventType,
      });
      traceparent = traceparentOf(span);
      span.end();
    }
    m.headers = { ...m.headers, traceparent };
  }
}

/** Ends a transition's span with the saga's status after it. */
export function endTransition(t: TransitionTrace, state?: AnySagaState, error?: unknown): void {
  if (!t.span) return;
  if (state) t.span.setAttributes({ 'saga.status': state.status, ...(state.currentStep ? { 'saga.step': state.currentStep } : {}) });
  if (error !== undefined) t.span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
  t.span.end();
}
