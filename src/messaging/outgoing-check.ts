/**
 * Every command and event the orchestrator sends is checked against the contract before it is
 * written to the outbox, so no saga definition bug and no manual action (a skip's output, a
 * retried step) can put on the wire a message the participants would refuse.
 */
import type { OutboxMessage } from '../core/outbox';
import type { Wire } from './contract';

/** Why a message may not be sent, or null when it fits the contract of the registered sagas (`wire`). */
export function outgoingProblem(wire: Wire, message: OutboxMessage): string | null {
  if (!wire.outbound.includes(message.topic)) return `${message.eventType}: topic '${message.topic}' is not one the orchestrator sends on`;
  if (!wire.topicEventTypes[message.topic].includes(message.eventType)) {
    return `${message.eventType} may not be sent on topic '${message.topic}'`;
  }
  // As a participant will read it: through JSON.
  const checked = wire.validate(message.eventType, JSON.parse(JSON.stringify(message.value)));
  return checked.ok ? null : checked.error;
}

/** A command that would break the contract; the transaction that built it rolls back. */
export class InvalidCommandError extends Error {
  readonly code = 'INVALID_COMMAND';
  constructor(readonly sagaId: string, readonly problems: string[]) {
    super(`saga ${sagaId} would send a command the contract refuses, nothing was written: ${problems.join('; ')}`);
  }
}

/** Throws InvalidCommandError when any of the saga's outgoing messages breaks the contract. */
export function assertOutgoingValid(wire: Wire, sagaId: string, messages: readonly OutboxMessage[]): void {
  const problems = messages.map((m) => outgoingProblem(wire, m)).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new InvalidCommandError(sagaId, problems);
}
