import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { setTracingEnabled } from './tracing';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: the OTLP/HTTP exporter in production, an in-memory one in tests. */
  exporter: SpanExporter;
  /** Export each span as it ends (tests) instead of in batches. */
  immediate?: boolean;
}

export interface TracingHandle {
  /** Exports what is buffered, then turns tracing off again. */
  shutdown(): Promise<void>;
}

/** Registers a global tracer provider and turns the process's spans on. */
export function startTracing(options: TracingOptions): TracingHandle {
  const processor = options.immediate ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(options.exporter);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  return {
    async shutdown() {
      setTracingEnabled(false);
      await provider.shutdown();
      trace.disable();
    },
  };
}

/**
 * The OTLP/HTTP exporter; it reads the standard variables itself (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, ...).
 */
export function otlpExporter(endpoint?: { base?: string; traces?: string }): SpanExporter {
  const url = endpoint?.traces ?? (endpoint?.base ? `${endpoint.base.replace(/\/$/, '')}/v1/traces` : undefined);
  return new OTLPTraceExporter(url ? { url } : {});
}

export function consoleExporter(): SpanExporter {
  return new ConsoleSpanExporter();
}
