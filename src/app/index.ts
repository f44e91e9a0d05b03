/** The composition root (see service.ts); main.ts starts it, the tests start it too. */
export { startService, type RunningService } from './service';
export type { SagaRuntime } from './runtime';
