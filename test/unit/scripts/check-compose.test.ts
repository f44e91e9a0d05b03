import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeProblems } from '../../../scripts/check-compose';

const compose = readFileSync(join(__dirname, '..', '..', '..', 'docker-compose.yaml'), 'utf8');

describe('docker-compose.yaml check (CI runs it without a container engine)', () => {
  it('finds nothing wrong with the project\'s compose file', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('finds broken YAML, unknown dependencies, undeclared volumes, unquoted ports and a bad orchestrator setting', () => {
    expect(composeProblems('services: [oops')[0]).toMatch(/^YAML:/);
    expect(composeProblems(compose.replace('      kafka:\n        condition: service_healthy', '      kafak:\n        condition: service_healthy'))).toEqual(['services.orchestrator.depends_on: no service kafak']);
    expect(composeProblems(compose.replace('pgdata:/var/lib', 'pgdta:/var/lib'))).toEqual(['services.postgres.volumes: named volume pgdta is not declared under volumes']);
    expect(composeProblems(compose.replace('"8095:8095"', '8095'))).toEqual(['services.orchestrator.ports: "8095" should be a quoted "host:container" string']);
    expect(composeProblems(compose.replace('KAFKA_BROKERS: kafka:9092', 'KAFKA_BROKERS: kafka'))[0]).toMatch(/orchestrator's environment: [\s\S]*KAFKA_BROKERS \(kafka.brokers\)/);
    expect(composeProblems(compose.replace(/    healthcheck:\n      test: \["CMD-SHELL", "pg_isready[^\n]*\n/, '    healthcheck:\n'))).toEqual(['services.postgres.healthcheck needs a test']);
  });
});
