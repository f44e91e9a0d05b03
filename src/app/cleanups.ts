import type { Logger } from '../logger';

/**
 * What a started service has to undo, in reverse order of starting: the last thing started
 * stops first. A step that fails is logged and the others still run.
 */
export class Cleanups {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];

  constructor(private readonly logger: Logger) {}

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  async runAll(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        this.logger.debug({ cleanup: step.name }, 'stopping');
        await step.run();
      } catch (error) {
        this.logger.error({ err: error, cleanup: step.name }, 'error while stopping');
      }
    }
    this.steps.length = 0;
  }
}
