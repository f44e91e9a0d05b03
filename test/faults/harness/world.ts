/**
 * Everything one fault runs against, fresh for each fault so one cannot disturb the next: a
 * database of its own on the suite's PostgreSQL cluster, a topic prefix and consumer group of
 * its own on the suite's broker, two orchestrator processes, the simulated participants, the
 * order stream, the subscribers, the /ready probe, the dead-letter watch.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Pool } from 'pg';
import { KafkaTransport } from '../../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../../src/messaging/prefixed-transport';
import { startParticipants, type Participants } from '../../../src/participants';
import { openDatabase } from '../../../src/persistence/database';
import { TEST_AUTH_TOKENS } from '../../helpers/auth';
import { DeadLetterWatch } from './dead-letters';
import type { FaultBroker } from './kafka-broker';
import { OrchestratorFleet } from './orchestrator-fleet';
import { OrderStream } from './order-stream';
import { PoisonInjector } from './poison';
import type { OwnPostgres } from '../../helpers/own-postgres';
import { sagaEnv, type FaultProfile } from './profile';
import { ReadinessProbe } from './readiness';
import { HealthySubscriber } from './subscribers';

export interface Infrastructure {
  broker: FaultBroker;
  postgres: OwnPostgres;
  profile: FaultProfile;
}

const TERMINAL_SQL = "status not in ('RUNNING', 'COMPENSATING')";

export class FaultWorld {
  readonly prefix = `faults-${randomUUID().slice(0, 8)}.`;
  readonly closers: (() => Promise<unknown>)[] = [];
  fleet!: OrchestratorFleet;
  participants!: Participants;
  stream!: OrderStream;
  subscriber!: HealthySubscriber;
  probe!: ReadinessProbe;
  deadLetters!: DeadLetterWatch;
  poison!: PoisonInjector;
  db!: Pool;
  /** Where setup time went, for the run's log. */
  readonly setupPhases: string[] = [];

  private constructor(readonly infra: Infrastructure) {}

  static async open(infra: Infrastructure): Promise<FaultWorld> {
    const world = new FaultWorld(infra);
    try {
      await world.build();
    } catch (error) {
      await world.close();
      throw error;
    }
    return world;
  }

  private async build(): Promise<void> {
    const { broker, postgres, profile } = this.infra;
    let at = Date.now();
    const phase = (name: string) => { this.setupPhases.push(`${name} ${((Date.now() - at) / 1000).toFixed(1)}s`); at = Date.now(); };
    const databaseUrl = await postgres.createDatabase();
    this.fleet = new OrchestratorFleet({
      DATABASE_URL: databaseUrl, KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_GROUP_ID: `${this.prefix}orchestrator`, AUTH_TOKENS: TEST_AUTH_TOKENS, LOG_LEVEL: 'warn', ...sagaEnv(profile),
    }, 2);
    this.closers.push(() => this.fleet.stop());
    const logger = pino({ level: 'silent' });
    const transport = new PrefixedTransport(new KafkaTransport({ brokers: [broker.brokers], clientId: 'faults-sim', logger }), this.prefix);
    this.closers.push(() => transport.close());
    this.deadLetters = new DeadLetterWatch(broker.brokers, this.prefix);
    this.closers.push(() => this.deadLetters.stop());
    this.poison = new PoisonInjector(broker.brokers, this.prefix);
    this.closers.push(() => this.poison.close());
    // Participants and orchestrators start side by side; the database is migrated first so the
    // two orchestrator processes need not race for it.
    await Promise.all([
      (async () => {
        // Late replies come well within a step's timeout: late, not lost.
        this.participants = await startParticipants(transport, { groupIdPrefix: `${this.prefix}sim`, lateReplyMs: 1500, logger, onlyOwnOrders: true });
        this.closers.push(() => this.participants.stop());
        await this.deadLetters.start();
        await this.poison.connect();
        phase('participants+dlq');
      })(),
      (async () => {
        await (await openDatabase(databaseUrl, 1)).close(true);
        await this.fleet.start();
        phase('orchestrators');
      })(),
    ]);

    this.db = new Pool({ connectionString: databaseUrl, max: 3 });
    this.db.on('error', () => undefined); // idle clients cut off by a PostgreSQL fault
    this.closers.push(() => this.db.end());
    this.probe = new ReadinessProbe(this.fleet);
    this.probe.start();
    this.closers.push(() => this.probe.stop());
    this.subscriber = new HealthySubscriber(() => this.fleet.urls());
    this.subscriber.start();
    this.closers.push(() => this.subscriber.stop());
    this.stream = new OrderStream(this.participants, profile.orderEveryMs);
    this.closers.push(() => this.stream.stop());
    await sleep(1000); // the subscriber's socket is up before the first order
  }

  /**
   * Waits until every placed order has its final event at the Order service and its saga is
   * final; returns when that was, or null if it never happened: within `timeoutMs`, or because
   * nothing moved for `stallMs` while no timer of an unfinished saga is due within `stallMs`
   * (nothing will move any more: a stuck partition, a lost message).
   */
  async settle(timeoutMs: number, stallMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    let progress = -1;
    let progressAt = Date.now();
    while (Date.now() < deadline) {
      const orders = this.stream.orders;
      const ids = orders.map((o) => o.orderId);
      const withOutcome = orders.filter((o) => this.participants.ledger.order(o.orderId)?.outcome).length;
      try {
        const { rows } = await this.db.query<{ final: number; timers_due: number; events: number }>(
          `select count(*) filter (where ${TERMINAL_SQL})::int as final,
                  count(t.saga_id) filter (where t.due_at < now() + make_interval(secs => $2::float / 1000))::int as timers_due,
                  coalesce(sum(s.event_seq), 0)::int as events
             from saga_instance s left join saga_timer t on t.saga_id = s.id where s.order_id = any($1::uuid[])`,
          [ids, stallMs],
        );
        const { final, timers_due: timersDue, events } = rows[0];
        if (withOutcome === orders.length && final === orders.length) return Date.now();
        const now = withOutcome + events;
        if (now !== progress) { progress = now; progressAt = Date.now(); }
        else if (Date.now() - progressAt > stallMs && timersDue === 0) return null;
      } catch {
        progressAt = Date.now(); // the database may still be coming back
      }
      await sleep(250);
    }
    return null;
  }

  /** Gives the healthy subscriber time to receive what was committed last (bounded). */
  async letSubscriberCatchUp(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.db.query<{ id: string; event_seq: number }>('select id, event_seq from saga_instance where order_id = any($1::uuid[])', [this.stream.orders.map((o) => o.orderId)]);
      if (rows.every((r) => (this.subscriber.feed.get(r.id)?.length ?? 0) >= r.event_seq)) return;
      await sleep(250);
    }
  }

  /** Waits for at least as many dead letters as poison messages, then a little for any repeat. */
  async letDeadLettersArrive(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.deadLetters.records.length < this.poison.injected.length) await sleep(250);
    await sleep(2000);
  }

  /** /ready of every instance once the fault is over: the first all-200 answer within `timeoutMs`, else the last one. */
  async finalReadiness(timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const samples = await this.probe.now();
      if ((samples.length > 0 && samples.every((s) => s.status === 200)) || Date.now() > deadline) return samples;
      await sleep(500);
    }
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }
}
