/**
 * The fault-injection suite: each fault runs against the suite's own Kafka broker and PostgreSQL
 * cluster, two orchestrator processes, the simulated participants and a healthy and (in one
 * fault) a slow subscriber, while mixed orders flow; then every invariant is checked. Each fault
 * is its own test in a fresh world, so one failure does not hide the others. FAULTS_PROFILE
 * (short|long) sets the durations, FAULTS_ONLY=a,b runs some faults only.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULTS } from './harness/faults';
import { FaultBroker } from './harness/kafka-broker';
import { OwnPostgres } from '../helpers/own-postgres';
import { faultProfile, selectedFaults, settleMs } from './harness/profile';
import { runFault } from './harness/run-fault';
import { renderTable, type FaultRow } from './harness/table';
import type { Infrastructure } from './harness/world';

const profile = faultProfile();
const only = selectedFaults();
const rows: FaultRow[] = [];
let infra: Infrastructure | undefined;

describe(`fault injection (${profile.name} profile)`, () => {
  beforeAll(async () => {
    const [broker, postgres] = await Promise.all([FaultBroker.start(), OwnPostgres.start()]);
    infra = { broker, postgres, profile };
  }, 300_000);

  afterAll(async () => {
    if (rows.length) {
      const table = renderTable(rows, `Fault-injection run, ${profile.name} profile, ${new Date().toISOString()}`);
      const file = process.env.FAULTS_REPORT ?? join(tmpdir(), `saga-faults-${profile.name}.md`);
      writeFileSync(file, table);
      process.stdout.write(`\n${table}\n(written to ${file})\n`);
    }
    await Promise.allSettled([infra?.broker.destroy(), infra?.postgres.destroy()]);
  }, 120_000);

  const timeout = profile.leadMs + profile.outageMs + profile.trailMs + settleMs(profile) + 240_000;
  for (const fault of FAULTS) {
    const test = only && !only.has(fault.name) ? it.skip : it;
    test(`${fault.name}: ${fault.what}`, async () => {
      const result = await runFault(fault, infra!);
      rows.push(result.row);
      process.stdout.write(`${fault.name}: ${result.phases}\n`);
      if (result.violations.length) process.stdout.write(`\n${fault.name} broke invariants; orchestrator logs:\n${result.logs}\n`);
      expect(result.violations).toEqual([]);
    }, timeout);
  }
});
