import { loadConfig, tracesExporter } from '../../../src/config';

describe('tracing configuration (OpenTelemetry variable names)', () => {
  const exporter = (env: Record<string, string>) => tracesExporter(loadConfig(env, []).tracing);

  it('is off unless asked for', () => {
    expect(exporter({})).toBe('none');
  });

  it('turns on with an OTLP endpoint, or with the exporter named', () => {
    expect(exporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('otlp');
    expect(exporter({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe('otlp');
    expect(exporter({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe('otlp');
    expect(exporter({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
  });

  it('stays off with exporter none, even with an endpoint', () => {
    expect(exporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('none');
  });

  it('refuses an exporter it does not have, naming the variable', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }, [])).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, [])).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('names the service', () => {
    expect(loadConfig({}, []).tracing.serviceName).toBe('saga-orchestrator');
    expect(loadConfig({ OTEL_SERVICE_NAME: 'orders-saga' }, []).tracing.serviceName).toBe('orders-saga');
  });
});
