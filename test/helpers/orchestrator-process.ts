import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** The compiled service as a separate process (npm test builds it first), for crash tests. */
export class OrchestratorProcess {
  private output = '';
  private stdoutText = '';
  private stderrText = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => { this.output += d; this.stdoutText += d; });
    child.stderr!.on('data', (d) => { this.output += d; this.stderrText += d; });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static async start(env: Record<string, string>, startTimeoutMs = 30000): Promise<OrchestratorProcess> {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH!, SERVER_PORT: '0', LOG_LEVEL: 'warn', SIMULATORS: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new OrchestratorProcess(child);
    const deadline = Date.now() + startTimeoutMs;
    while (!proc.output.includes('listening on')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`orchestrator did not start:\n${proc.output}`);
      await sleep(50);
    }
    return proc;
  }

  /** SIGKILL: no shutdown hooks, no flushing, as in a real crash. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** The service's base URL (http://127.0.0.1:<port>), from its start line. */
  get url(): string {
    const match = /listening on (http:\/\/[^/\s]+)/.exec(this.output);
    if (!match) throw new Error('orchestrator has not printed its address');
    return match[1];
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything it printed, stdout and stderr interleaved. */
  get log(): string {
    return this.output;
  }

  /** The service's logger writes here (pino, JSON lines unless LOG_FORMAT says otherwise). */
  get stdout(): string {
    return this.stdoutText;
  }

  /** console.error, uncaught errors and warnings land here. */
  get stderr(): string {
    return this.stderrText;
  }
}
