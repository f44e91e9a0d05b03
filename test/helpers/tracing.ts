import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, type TracingHandle } from '../../src/tracing/setup';

/**
 * Inside a describe block: tracing on for its tests, every span exported at once into the
 * returned exporter, which is emptied before each test; tracing off again after the block.
 */
export function recordSpans(serviceName: string): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  let handle: TracingHandle | undefined;
  beforeAll(() => { handle = startTracing({ serviceName, exporter, immediate: true }); });
  afterAll(() => handle?.shutdown());
  beforeEach(() => exporter.reset());
  return exporter;
}
