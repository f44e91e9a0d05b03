/**
 * Where a saga's time goes, hop by hop, from measurement: after the run every message of the run's
 * topics is read back with its Kafka CreateTime (stamped by the producing client), and joined with
 * when the participant simulators received each command (recorded by ReceiptLog) and when the
 * orchestrator's transaction that took each reply or trigger began (inbox_message.received_at).
 *
 *   orchestrator turn: reply or trigger produced -> consumed (transaction began) -> next command produced
 *   participant turn:  command produced -> received by the participant -> reply produced
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Client } from 'pg';
import { INBOUND_TOPICS, TOPICS } from '../../src/sagas/order/contract';
import type { BatchHandler, MessageTransport, OutgoingMessage, PublishReceipt, SubscribeOptions, Subscription } from '../../src/runtime/ports';
import { summarize, type Summary } from './stats';
import { now } from './run-support';

/** A transport that notes when each message reached a subscriber's handler. */
export class ReceiptLog implements MessageTransport {
  /** `topic/partition/offset` -> ms since the epoch. */
  readonly receivedAt = new Map<string, number>();

  constructor(private readonly inner: MessageTransport) {}

  publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    return this.inner.publish(messages);
  }

  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    return this.inner.subscribe(options, (batch) => {
      const at = now();
      for (const m of batch) {
        const key = `${m.topic}/${m.partition}/${m.offset}`;
        if (!this.receivedAt.has(key)) this.receivedAt.set(key, at);
      }
      return handler(batch);
    });
  }

  ensureTopics(topics: string[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }

  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface Sent {
  topic: string;
  partition: number;
  offset: string;
  producedAt: number;
  eventId: string;
  orderId: string;
  /** Produced by the orchestrator (a command or a final event), else by a participant or the client. */
  byOrchestrator: boolean;
}

/** Every message of the run's topics with its CreateTime, read from the beginning up to the end offsets. */
export async function readBack(brokers: string[], prefix: string): Promise<Sent[]> {
  const kafka = new Kafka({ clientId: 'bench-hops', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const inbound = new Set<string>(INBOUND_TOPICS);
  const topics = Object.values(TOPICS);
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(prefix + topic)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
  }
  await admin.disconnect();
  const remaining = new Set([...ends.entries()].filter(([, high]) => high > 0n).map(([k]) => k));
  const out: Sent[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}hops`, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: true });
  const finished = new Promise<void>((resolve) => {
    if (remaining.size === 0) resolve();
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const topic = batch.topic.slice(prefix.length);
        for (const m of batch.messages) {
          let body: { eventId?: string; orderId?: string } = {};
          try { body = JSON.parse(m.value?.toString('utf8') ?? '{}') ?? {}; } catch { /* not ours */ }
          if (body.orderId && body.eventId) {
            out.push({
              topic, partition: batch.partition, offset: m.offset, producedAt: Number(m.timestamp), eventId: body.eventId, orderId: body.orderId,
              byOrchestrator: !inbound.has(topic),
            });
          }
          const key = `${topic}/${batch.partition}`;
          if (BigInt(m.offset) + 1n >= (ends.get(key) ?? 0n)) remaining.delete(key);
        }
        if (remaining.size === 0) resolve();
      },
    });
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
  await consumer.disconnect();
  return out;
}

export interface HopBreakdown {
  sagas: number;
  /** Mean ms per saga spent in each part (they add up to `total`). */
  mean: { orchestratorConsume: number; orchestratorTurn: number; participantDelivery: number; participantWork: number; total: number };
  /** Hops per saga (orchestrator turns / participant turns). */
  turns: { orchestrator: number; participant: number };
  /** Distributions of one turn's parts, ms. */
  perTurn: { orchestratorConsume: Summary; orchestratorTurn: Summary; participantDelivery: Summary; participantWork: Summary };
}

/** When the orchestrator's transaction that took each of these messages began (inbox_message.received_at). */
export async function consumedAtOf(db: Client, eventIds: string[]): Promise<Map<string, number>> {
  const consumedAt = new Map<string, number>();
  for (let i = 0; i < eventIds.length; i += 5000) {
    const { rows } = await db.query<{ id: string; at: number }>(
      `select event_id::text as id, (extract(epoch from received_at) * 1000)::float8 as at from inbox_message where event_id = any($1::uuid[])`,
      [eventIds.slice(i, i + 5000)]);
    for (const r of rows) consumedAt.set(r.id, r.at);
  }
  return consumedAt;
}

/**
 * Splits each saga's time from its OrderCreated to its final event along the messages in
 * production order; a gap before an orchestrator message is an orchestrator turn (split at the
 * moment its transaction took the previous message), any other gap a participant turn (split at
 * the participant's receipt). `receivedAt`: `topic/partition/offset` -> when a participant got it;
 * `consumedAt`: eventId -> when the orchestrator's transaction took it.
 */
export function hopBreakdown(messages: Sent[], orderIds: Set<string>, receivedAt: Map<string, number>, consumedAt: Map<string, number>): HopBreakdown {
  const byOrder = new Map<string, Sent[]>();
  for (const m of messages) {
    if (!orderIds.has(m.orderId)) continue;
    const list = byOrder.get(m.orderId);
    if (list) list.push(m);
    else byOrder.set(m.orderId, [m]);
  }
  const parts = { orchestratorConsume: [] as number[], orchestratorTurn: [] as number[], participantDelivery: [] as number[], participantWork: [] as number[] };
  const sums = { orchestratorConsume: 0, orchestratorTurn: 0, participantDelivery: 0, participantWork: 0, total: 0 };
  let turnsO = 0;
  let turnsP = 0;
  let sagas = 0;
  for (const list of byOrder.values()) {
    // A re-send keeps its eventId: the first copy is the one that moved the saga on.
    const seen = new Set<string>();
    const path = list.sort((a, b) => a.producedAt - b.producedAt).filter((m) => !seen.has(m.eventId) && seen.add(m.eventId));
    if (path.length < 2 || path[0].topic !== TOPICS.orderCreated) continue;
    const last = path[path.length - 1];
    if (last.topic !== TOPICS.orderApproved && last.topic !== TOPICS.orderCancelled) continue;
    sagas += 1;
    sums.total += last.producedAt - path[0].producedAt;
    for (let i = 1; i < path.length; i++) {
      const prev = path[i - 1];
      const next = path[i];
      const gap = next.producedAt - prev.producedAt;
      if (next.byOrchestrator) {
        turnsO += 1;
        const consumed = consumedAt.get(prev.eventId);
        const consume = consumed === undefined ? 0 : Math.min(gap, Math.max(0, consumed - prev.producedAt));
        parts.orchestratorConsume.push(consume);
        parts.orchestratorTurn.push(gap - consume);
        sums.orchestratorConsume += consume;
        sums.orchestratorTurn += gap - consume;
      } else {
        turnsP += 1;
        const received = receivedAt.get(`${prev.topic}/${prev.partition}/${prev.offset}`);
        const delivery = received === undefined ? 0 : Math.min(gap, Math.max(0, received - prev.producedAt));
        parts.participantDelivery.push(delivery);
        parts.participantWork.push(gap - delivery);
        sums.participantDelivery += delivery;
        sums.participantWork += gap - delivery;
      }
    }
  }
  const per = (v: number) => (sagas ? v / sagas : NaN);
  return {
    sagas,
    mean: {
      orchestratorConsume: per(sums.orchestratorConsume), orchestratorTurn: per(sums.orchestratorTurn),
      participantDelivery: per(sums.participantDelivery), participantWork: per(sums.participantWork), total: per(sums.total),
    },
    turns: { orchestrator: per(turnsO), participant: per(turnsP) },
    perTurn: {
      orchestratorConsume: summarize(parts.orchestratorConsume), orchestratorTurn: summarize(parts.orchestratorTurn),
      participantDelivery: summarize(parts.participantDelivery), participantWork: summarize(parts.participantWork),
    },
  };
}
