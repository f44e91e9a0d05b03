/**
 * The suite's own single-node Kafka broker (scripts/kafka.sh on free ports, state in a temp
 * dir), which it may kill, pause and restart; the shared broker of the other tests is never
 * touched. A restart after SIGKILL re-runs the very same JVM command line on the same data, as a
 * supervisor would: `kafka.sh start` formats a fresh log dir, which would not be a restart.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, portOpen } from '../../helpers/ports';
import { alive, signal, until, waitForExit } from './process-control';

const KAFKA_SH = join(__dirname, '..', '..', '..', 'scripts', 'kafka.sh');
const run = promisify(execFile);

export class FaultBroker {
  private constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly stateDir: string,
    private readonly argv: string[],
  ) {}

  static async start(): Promise<FaultBroker> {
    const stateDir = mkdtempSync(join(tmpdir(), 'saga-faults-kafka-'));
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_STATE_DIR: stateDir, KAFKA_HEAP: '-Xmx384m -Xms128m' };
    await run('bash', [KAFKA_SH, 'start'], { env, timeout: 180_000 });
    const pid = Number(readFileSync(join(stateDir, 'kafka.pid'), 'utf8').trim());
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return new FaultBroker(port, env, stateDir, argv);
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return Number(readFileSync(join(this.stateDir, 'kafka.pid'), 'utf8').trim());
  }

  get running(): boolean {
    return alive(this.pid);
  }

  /** SIGKILL by PID: no controlled shutdown, no flush, as in a crash. */
  async kill(): Promise<void> {
    const pid = this.pid;
    signal(pid, 'SIGKILL');
    await waitForExit(pid);
  }

  /** Starts the killed broker again on its data and waits until it serves clients. */
  async restart(): Promise<void> {
    if (this.running) return;
    const startedBefore = this.startedCount();
    const out = openSync(join(this.stateDir, 'stdout.log'), 'a');
    const child = spawn(this.argv[0], this.argv.slice(1), { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    writeFileSync(join(this.stateDir, 'kafka.pid'), `${child.pid}\n`);
    await until(async () => {
      if (!alive(child.pid!)) throw new Error(`restarted broker exited:\n${this.logTail()}`);
      return this.startedCount() > startedBefore && (await portOpen(this.port));
    }, 120_000, 'the restarted broker');
  }

  /** SIGSTOP: the process holds its sockets but answers nothing, like a long GC pause or a hung host. */
  pause(): void {
    signal(this.pid, 'SIGSTOP');
  }

  resume(): void {
    signal(this.pid, 'SIGCONT');
  }

  /** Makes sure the broker runs and is not paused (a failed fault must not break the next one). */
  async ensureUp(): Promise<void> {
    if (this.running) this.resume();
    else await this.restart();
  }

  /**
   * Waits until the broker can host new topics again: after a pause or a restart it can take a
   * while to unfence itself, and until then new partitions have no leader.
   */
  async waitUntilServing(timeoutMs = 90_000): Promise<void> {
    const admin = new Kafka({ clientId: 'faults-probe', brokers: [this.brokers], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
    const topic = `faults-probe-${randomUUID()}`;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        try {
          await admin.connect();
          await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          if (topics[0]?.partitions.every((p) => p.partitionErrorCode === 0 && p.leader >= 0)) return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`broker not serving after ${timeoutMs} ms: ${(error as Error).message}`);
        }
        await sleep(500);
      }
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }

  async destroy(): Promise<void> {
    if (this.running) this.resume();
    await run('bash', [KAFKA_SH, 'stop'], { env: this.env, timeout: 60_000 }).catch(() => undefined);
    if (this.running) signal(this.pid, 'SIGKILL');
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  private startedCount(): number {
    try {
      return readFileSync(join(this.stateDir, 'broker.log'), 'utf8').split('Kafka Server started').length - 1;
    } catch {
      return 0;
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.stateDir, 'broker.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no broker log)';
    }
  }
}
