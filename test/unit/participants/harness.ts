/** Plays the orchestrator by hand against the simulated participants on the in-process bus. */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { InProcessTransport } from '../../../src/messaging/in-process-transport';
import { EVENT_TYPE_TOPIC, INBOUND_TOPICS, parseIncoming, type ContractMessage, type EventType, type PayloadOf } from '../../../src/sagas/order/contract';
import type { Subscription, TransportMessage } from '../../../src/runtime/ports';
import { startParticipants, type Participants, type ParticipantsOptions } from '../../../src/participants';
import { eventually } from '../../helpers/services';

export interface Received {
  raw: TransportMessage;
  message: ContractMessage;
}

export class Harness {
  readonly transport = new InProcessTransport();
  readonly received: Received[] = [];
  /** Messages the participants sent that failed the contract: must stay empty. */
  readonly invalid: string[] = [];
  participants!: Participants;
  private subscription!: Subscription;

  async start(options: ParticipantsOptions = {}): Promise<this> {
    this.participants = await startParticipants(this.transport, { logger: pino({ level: 'silent' }), lateReplyMs: 400, ...options });
    this.subscription = await this.transport.subscribe({ groupId: 'orchestrator', topics: [...INBOUND_TOPICS] }, async (batch) => {
      for (const raw of batch) {
        const parsed = parseIncoming(raw.topic, raw.value);
        if (parsed.ok) this.received.push({ raw, message: parsed.message });
        else this.invalid.push(`${raw.topic}: ${parsed.error}`);
      }
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.participants.stop();
    await this.subscription.stop();
    await this.transport.close();
  }

  /** Sends a command as the orchestrator would; returns its envelope. */
  async send<K extends EventType>(
    eventType: K,
    orderId: string,
    payload: PayloadOf<K>,
    opts: { eventId?: string; retryCount?: number; sagaId?: string; correlationId?: string; headers?: Record<string, string> } = {},
  ) {
    const command = {
      eventId: opts.eventId ?? randomUUID(),
      eventType,
      sagaId: opts.sagaId ?? randomUUID(),
      orderId,
      correlationId: opts.correlationId ?? randomUUID(),
      causationId: randomUUID(),
      timestamp: new Date().toISOString(),
      retryCount: opts.retryCount ?? 0,
      ...payload,
    };
    await this.transport.publish([{ topic: EVENT_TYPE_TOPIC[eventType], key: orderId, value: JSON.stringify(command), headers: opts.headers }]);
    return command;
  }

  async sendRaw(topic: string, value: string): Promise<void> {
    await this.transport.publish([{ topic, key: 'junk', value }]);
  }

  repliesTo(eventId: string): Received[] {
    return this.received.filter((r) => r.message.causationId === eventId);
  }

  /** Waits for `count` replies to the command and returns them. */
  async reply(eventId: string, count = 1, timeoutMs = 5000): Promise<Received[]> {
    return eventually(() => {
      const replies = this.repliesTo(eventId);
      return replies.length >= count ? replies : undefined;
    }, timeoutMs, `${count} repl(ies) to ${eventId}`);
  }

  /** The single reply to a command, narrowed to the expected eventType. */
  async only<K extends EventType>(eventId: string, eventType: K): Promise<Extract<ContractMessage, { eventType: K }>> {
    const [r] = await this.reply(eventId);
    expect(r.message.eventType).toBe(eventType);
    return r.message as Extract<ContractMessage, { eventType: K }>;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
