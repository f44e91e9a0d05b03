/**
 * How long the faults last. `short` (the default, run inside `npm test`) keeps the whole suite to
 * a few minutes; `long` (`npm run test:faults`) holds outages for the 60 s.
 */
export type ProfileName = 'short' | 'long';

export interface FaultProfile {
  name: ProfileName;
  /** How long a dependency stays down (broker paused, PostgreSQL stopped). */
  outageMs: number;
  /** How long the broker stays dead after SIGKILL before it is started again. */
  brokerDeadMs: number;
  /** Orders flow this long before a fault and after it ends. */
  leadMs: number;
  trailMs: number;
  /** One order every this many ms in the background stream. */
  orderEveryMs: number;
  /** Orchestrator kills (kill -9) in the fleet fault. */
  orchestratorKills: number;
  /** Orders placed in the slow-subscriber fault, in bursts. */
  slowSubscriberOrders: number;
}

const PROFILES: Record<ProfileName, FaultProfile> = {
  short: { name: 'short', outageMs: 10_000, brokerDeadMs: 4_000, leadMs: 2_000, trailMs: 5_000, orderEveryMs: 250, orchestratorKills: 3, slowSubscriberOrders: 300 },
  long: { name: 'long', outageMs: 60_000, brokerDeadMs: 15_000, leadMs: 10_000, trailMs: 10_000, orderEveryMs: 150, orchestratorKills: 8, slowSubscriberOrders: 1_500 },
};

export function faultProfile(): FaultProfile {
  const name = (process.env.FAULTS_PROFILE ?? 'short') as ProfileName;
  const profile = PROFILES[name];
  if (!profile) throw new Error(`FAULTS_PROFILE must be short or long, not '${name}'`);
  return profile;
}

/**
 * Saga timeouts chosen so a step outlives one outage (attempts x timeout > 1.5 x outage): a
 * saga should ride out a dependency outage, not time out because of it.
 */
export function sagaEnv(profile: FaultProfile): Record<string, string> {
  const stepTimeoutMs = Math.round(profile.outageMs / 2) + 5_000;
  return {
    SAGA_STEP_TIMEOUT_MS: String(stepTimeoutMs),
    SAGA_MAX_ATTEMPTS: '3',
    SAGA_INITIAL_BACKOFF_MS: '200',
    SAGA_MAX_BACKOFF_MS: '1000',
  };
}

/** Longest a saga can legitimately take after its last fault: every attempt of two steps plus slack. */
export function settleMs(profile: FaultProfile): number {
  return 2 * 3 * (Math.round(profile.outageMs / 2) + 5_000) + 30_000;
}

/** No progress for this long, with no timer due, means nothing will move any more. */
export function stallMs(profile: FaultProfile): number {
  return profile.name === 'short' ? 15_000 : 30_000;
}

/** Faults to run: FAULTS_ONLY=broker-kill,poison runs those only. */
export function selectedFaults(): Set<string> | null {
  const only = process.env.FAULTS_ONLY?.trim();
  return only ? new Set(only.split(',').map((s) => s.trim()).filter(Boolean)) : null;
}
