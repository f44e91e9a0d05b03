/** The load generator (OrderCreated at a fixed rate or as fast as acks come) and the outcome observer. */
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS, type OrderCreated } from '../../src/sagas/order/contract';
import type { MessageTransport, Subscription } from '../../src/runtime/ports';
import { buildOrder } from '../../src/participants/order';
import type { OrderKind } from './mix';
import type { Orchestrator } from './orchestrator-child';
import { log, now, withTimeout } from './run-support';

export interface Tracked {
  kind: OrderKind;
  order: OrderCreated;
  /** The phase that placed it ('warm-up', '50/s', 'open loop', ...). */
  phase: string;
  sentAt: number;
  outcomeAt: number | null;
  outcomeEventIds: Set<string>;
  outcomeTypes: string[];
  outcomeStatus: string | null;
}

export class Observer {
  readonly tracked = new Map<string, Tracked>();
  private readonly done = new Map<string, number>();
  unknownOutcomes = 0;
  private subscription?: Subscription;

  /** Our own reader of the saga's final events (the Order service simulator reads them too). */
  async start(transport: MessageTransport, groupId: string): Promise<void> {
    this.subscription = await transport.subscribe(
      { groupId, topics: [TOPICS.orderApproved, TOPICS.orderCancelled], fromBeginning: true },
      async (batch) => {
        const at = now();
        for (const m of batch) {
          let event: { orderId?: string; eventId?: string; eventType?: string; status?: string };
          try { event = JSON.parse(m.value?.toString('utf8') ?? 'null') ?? {}; } catch { event = {}; }
          const t = event.orderId ? this.tracked.get(event.orderId) : undefined;
          if (!t) { this.unknownOutcomes += 1; continue; }
          t.outcomeEventIds.add(event.eventId ?? '');
          t.outcomeTypes.push(event.eventType ?? '?');
          if (t.outcomeAt === null) {
            t.outcomeAt = at;
            t.outcomeStatus = event.eventType === 'OrderApproved' ? 'APPROVED' : `CANCELLED:${event.status ?? '?'}`;
            this.done.set(t.phase, this.doneIn(t.phase) + 1);
          }
        }
      },
    );
  }

  doneIn(phase: string): number {
    return this.done.get(phase) ?? 0;
  }

  of(phase: string): Tracked[] {
    return [...this.tracked.values()].filter((t) => t.phase === phase);
  }

  stop(): Promise<void> {
    return this.subscription?.stop() ?? Promise.resolve();
  }
}

export interface Offer {
  /** Orders per second; 0 = open loop (the next batch as soon as the previous one is acknowledged). */
  rate: number;
  /** Orders per publish in open loop, and the most one publish catches up at a fixed rate. */
  batch: number;
}

/** Publishes OrderCreated for every kind and returns when the last one is acknowledged. */
export async function offer(transport: MessageTransport, observer: Observer, kinds: OrderKind[], phase: string, how: Offer): Promise<{ firstAt: number; lastAt: number }> {
  let firstAt = 0;
  let lastAt = 0;
  let sent = 0;
  const publish = async (count: number) => {
    const slice = kinds.slice(sent, sent + count);
    const orders = slice.map((kind) => ({ kind, order: buildOrder(kind.input) }));
    const at = now();
    for (const { kind, order } of orders) {
      observer.tracked.set(order.orderId, {
        kind, order, phase, sentAt: at, outcomeAt: null, outcomeEventIds: new Set(), outcomeTypes: [], outcomeStatus: null,
      });
    }
    firstAt ||= at;
    sent += count;
    await withTimeout('publish OrderCreated', transport.publish(orders.map(({ order }) => ({
      topic: TOPICS.orderCreated, key: order.orderId, value: JSON.stringify(order),
    }))), 30_000);
    lastAt = now();
  };
  if (!how.rate) {
    while (sent < kinds.length) await publish(Math.min(how.batch, kinds.length - sent));
    return { firstAt, lastAt };
  }
  // Open-loop arrivals on a fixed schedule: one order every 1000/rate ms, whatever the outcomes do.
  const start = now();
  while (sent < kinds.length) {
    const due = Math.min(kinds.length, Math.floor(((now() - start) / 1000) * how.rate) + 1);
    if (due > sent) await publish(Math.min(how.batch, due - sent));
    else await sleep(Math.max(1, (sent / how.rate) * 1000 - (now() - start)));
  }
  return { firstAt, lastAt };
}

/** Waits until `n` orders of the phase have their outcome; false on time-out. */
export async function waitForOutcomes(observer: Observer, phase: string, n: number, orchestrators: Orchestrator[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = Date.now();
  while (observer.doneIn(phase) < n) {
    const exited = orchestrators.find((o) => o.exited);
    if (exited) throw new Error(`an orchestrator exited during the ${phase} phase (code ${exited.exited!.code}, signal ${exited.exited!.signal}):\n${exited.tail.join('\n')}`);
    if (Date.now() > deadline) {
      log(`${phase}: timed out after ${timeoutMs} ms with ${observer.doneIn(phase)}/${n} outcomes`);
      return false;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`${phase}: ${observer.doneIn(phase)}/${n} orders have their outcome`);
    }
    await sleep(5);
  }
  return true;
}
