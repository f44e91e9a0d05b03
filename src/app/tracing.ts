import { tracesExporter, type Config } from '../config';
import type { Logger } from '../logger';
import { consoleExporter, otlpExporter, startTracing, type TracingHandle } from '../tracing/setup';

/** Starts exporting spans when the configuration names an exporter (OTLP or the console); undefined when tracing is off. */
export function startConfiguredTracing(config: Config, logger: Logger): TracingHandle | undefined {
  const exporter = tracesExporter(config.tracing);
  if (exporter === 'none') return undefined;
  const tracing = startTracing({
    serviceName: config.tracing.serviceName,
    exporter: exporter === 'otlp' ? otlpExporter({ base: config.tracing.endpoint, traces: config.tracing.tracesEndpoint }) : consoleExporter(),
  });
  logger.info({ exporter, serviceName: config.tracing.serviceName }, 'tracing on');
  return tracing;
}
