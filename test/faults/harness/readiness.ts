/**
 * Samples GET /ready of every running instance twice a second, so a fault can be judged by what
 * a load balancer would have seen: 503 while a dependency was down, 200 once it was back.
 */
import type { OrchestratorFleet } from './orchestrator-fleet';

export interface ReadySample {
  at: number;
  url: string;
  /** HTTP status, or 0 when the instance did not answer within a second. */
  status: number;
  body: Record<string, unknown> | null;
}

export class ReadinessProbe {
  readonly samples: ReadySample[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly fleet: OrchestratorFleet, private readonly everyMs = 500) {}

  start(): void {
    this.timer = setInterval(() => { for (const url of this.fleet.urls()) this.track(this.sample(url)); }, this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One immediate sample of every running instance. */
  async now(): Promise<ReadySample[]> {
    return Promise.all(this.fleet.urls().map((url) => this.sample(url)));
  }

  private track(p: Promise<unknown>): void {
    const q = p.then(() => undefined, () => undefined);
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }

  private async sample(url: string): Promise<ReadySample> {
    const at = Date.now();
    let sample: ReadySample;
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
      const text = await response.text();
      let body: Record<string, unknown> | null = null;
      try { body = JSON.parse(text) as Record<string, unknown>; } catch { body = { raw: text.slice(0, 200) }; }
      sample = { at, url, status: response.status, body };
    } catch {
      sample = { at, url, status: 0, body: null };
    }
    this.samples.push(sample);
    return sample;
  }

  /** Samples taken between two instants. */
  between(from: number, to: number): ReadySample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }
}
