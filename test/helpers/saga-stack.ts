import pino from 'pino';
import { Pool } from 'pg';
import { KafkaTransport } from '../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../src/messaging/prefixed-transport';
import type { MessageTransport, TransportMessage } from '../../src/runtime/ports';
import { startParticipants, type Participants } from '../../src/participants';
import { startTestService, type TestService } from './service';
import { eventually, kafkaBrokers, uniqueName } from './services';

/** Short timeouts so timeout and retry paths finish in seconds. */
export const FAST_SAGA_ENV = {
  SAGA_STEP_TIMEOUT_MS: '1500',
  SAGA_MAX_ATTEMPTS: '2',
  SAGA_INITIAL_BACKOFF_MS: '100',
  SAGA_MAX_BACKOFF_MS: '200',
};

export interface SagaRow {
  id: string;
  status: string;
  current_step: string | null;
  state: any;
  version: number;
  event_seq: number;
}

/**
 * The orchestrator plus simulated participants on the real broker and a fresh database, under a
 * topic prefix of its own so test files never read each other's messages.
 */
export class SagaStack {
  readonly prefix = `${uniqueName('t')}.`;
  service!: TestService;
  participants!: Participants;
  transport!: MessageTransport;
  db!: Pool;
  /** The service's environment, so a restart starts the same orchestrator again. */
  serviceEnv: Record<string, string> = {};

  static async start(env: Record<string, string> = {}, options: { lateReplyMs?: number } = {}): Promise<SagaStack> {
    const stack = new SagaStack();
    stack.serviceEnv = { KAFKA_TOPIC_PREFIX: stack.prefix, KAFKA_GROUP_ID: uniqueName('orchestrator'), ...FAST_SAGA_ENV, ...env };
    stack.service = await startTestService(stack.serviceEnv);
    stack.transport = new PrefixedTransport(new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'sim', logger: pino({ level: 'silent' }) }), stack.prefix);
    stack.participants = await startParticipants(stack.transport, { groupIdPrefix: uniqueName('sim'), lateReplyMs: options.lateReplyMs ?? 2500, logger: pino({ level: 'silent' }) });
    stack.db = new Pool({ connectionString: stack.service.database.url, max: 4 });
    return stack;
  }

  async stop(): Promise<void> {
    await this.participants?.stop();
    await this.transport?.close();
    await this.db?.end();
    await this.service?.stop();
    await this.service?.database.drop();
  }

  /**
   * Stops the orchestrator and starts a second instance on the same database and consumer group.
   * `beforeStart` runs in between (e.g. rewinding the group's offsets, as a crash before the
   * offset commit would leave them).
   */
  async restartService(beforeStart?: () => Promise<void>): Promise<void> {
    await this.service.stop();
    await beforeStart?.();
    this.service = await startTestService(this.serviceEnv, this.service.database);
  }

  async sagaByOrder(orderId: string): Promise<SagaRow | undefined> {
    const { rows } = await this.db.query<SagaRow>('select id, status, current_step, state, version, event_seq from saga_instance where order_id = $1', [orderId]);
    return rows[0];
  }

  /** Waits until the order's saga has the status; a timeout says the status it had then. */
  async waitForStatus(orderId: string, status: string, timeoutMs = 20000): Promise<SagaRow> {
    try {
      return await eventually(async () => {
        const saga = await this.sagaByOrder(orderId);
        return saga?.status === status ? saga : undefined;
      }, timeoutMs, `saga of order ${orderId} to reach ${status}`);
    } catch (error) {
      throw new Error(`${(error as Error).message} (now ${(await this.sagaByOrder(orderId))?.status})`);
    }
  }

  async events(sagaId: string): Promise<{ seq: number; type: string; step: string | null; detail: any }[]> {
    const { rows } = await this.db.query('select seq, type, step, detail from saga_event where saga_id = $1 order by seq', [sagaId]);
    return rows;
  }

  /** Collects what arrives on a (prefixed) topic, e.g. a dead-letter topic. */
  async collect(topic: string): Promise<{ messages: TransportMessage[]; stop(): Promise<void> }> {
    const messages: TransportMessage[] = [];
    await this.transport.ensureTopics([topic]);
    const sub = await this.transport.subscribe({ groupId: uniqueName('collect'), topics: [topic] }, async (batch) => { messages.push(...batch); });
    return { messages, stop: () => sub.stop() };
  }
}
