/**
 * Orchestrator instances as separate processes (dist/src/main.js) sharing one consumer group, so
 * a kill -9 is a real crash and the survivor takes over the partitions.
 */
import { OrchestratorProcess } from '../../helpers/orchestrator-process';

export class OrchestratorFleet {
  readonly instances: (OrchestratorProcess | null)[];
  /** Every process ever started, for the logs of a failed run. */
  private readonly all: OrchestratorProcess[] = [];
  kills = 0;

  constructor(private readonly env: Record<string, string>, size: number) {
    this.instances = Array.from({ length: size }, () => null);
  }

  /** Starts every instance at once (the database must be migrated already). */
  async start(): Promise<void> {
    await Promise.all(this.instances.map((_, i) => this.startInstance(i)));
  }

  async startInstance(index: number): Promise<void> {
    const proc = await OrchestratorProcess.start(this.env, 90_000);
    this.all.push(proc);
    this.instances[index] = proc;
  }

  /** kill -9 by PID: no shutdown hook runs, nothing is flushed. */
  async kill(index: number): Promise<void> {
    const proc = this.instances[index];
    if (!proc) return;
    this.instances[index] = null;
    this.kills += 1;
    await proc.kill();
  }

  /** Base URLs of the instances running now. */
  urls(): string[] {
    return this.instances.flatMap((p) => (p?.running ? [p.url] : []));
  }

  /** The tail of every instance's log: what an operator would read after a failed run. */
  logs(lines = 6): string {
    const tail = (log: string) => log.trim().split('\n').slice(-lines).map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l)).join('\n');
    return this.all.map((p, i) => `--- orchestrator process ${i} (pid ${p.pid}) ---\n${tail(p.log)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((p) => p?.stop()));
    await Promise.all(this.all.filter((p) => p.running).map((p) => p.kill()));
  }
}
