/**
 * The faults, each a function of the world it runs in. Each says when its dependency was down,
 * so the /ready check knows which answers to expect, and when the fault was over, from which the
 * recovery time is counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { duplicateEventId, poisonMessages } from './poison';
import { SlowSubscriber } from './subscribers';
import type { FaultWindow } from './invariants';
import type { FaultWorld } from './world';

export interface FaultTimes {
  downFrom?: number;
  downTo?: number;
  /** The fault is over: the dependency is back, the last process restarted, the last bad message sent. */
  endedAt: number;
}

export interface Fault {
  name: string;
  /** What it does, for the test name and the README. */
  what: string;
  window: Pick<FaultWindow, 'readyMustDrop' | 'liveStepsMustBeComplete'>;
  run(world: FaultWorld): Promise<FaultTimes>;
}

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

export const FAULTS: readonly Fault[] = [
  {
    name: 'broker-kill',
    what: 'the Kafka broker is killed with SIGKILL and started again on its data',
    window: { readyMustDrop: true, liveStepsMustBeComplete: true },
    async run(world) {
      const { broker, profile } = world.infra;
      const downFrom = Date.now();
      await broker.kill();
      await sleep(profile.brokerDeadMs);
      await broker.restart();
      const downTo = Date.now();
      return { downFrom, downTo, endedAt: downTo };
    },
  },
  {
    name: 'broker-pause',
    what: 'the Kafka broker is frozen with SIGSTOP (sockets open, nothing answered), then SIGCONT',
    window: { readyMustDrop: true, liveStepsMustBeComplete: true },
    async run(world) {
      const { broker, profile } = world.infra;
      const downFrom = Date.now();
      broker.pause();
      await sleep(profile.outageMs);
      broker.resume();
      const downTo = Date.now();
      return { downFrom, downTo, endedAt: downTo };
    },
  },
  {
    name: 'postgres-restart',
    what: 'PostgreSQL crashes (pg_ctl stop -m immediate) and is started again at once',
    window: { readyMustDrop: false, liveStepsMustBeComplete: false },
    async run(world) {
      const downFrom = Date.now();
      await world.infra.postgres.restart();
      const downTo = Date.now();
      return { downFrom, downTo, endedAt: downTo };
    },
  },
  {
    name: 'postgres-down',
    what: 'PostgreSQL is stopped (immediate) and stays unavailable, then started again',
    window: { readyMustDrop: true, liveStepsMustBeComplete: false },
    async run(world) {
      const { postgres, profile } = world.infra;
      const downFrom = Date.now();
      await postgres.pause('immediate');
      await sleep(profile.outageMs);
      await postgres.resume();
      const downTo = Date.now();
      return { downFrom, downTo, endedAt: downTo };
    },
  },
  {
    name: 'orchestrator-kill',
    what: 'orchestrator processes of one consumer group are killed -9 at random moments and restarted',
    window: { readyMustDrop: false, liveStepsMustBeComplete: false },
    async run(world) {
      const { fleet } = world;
      for (let round = 0; round < world.infra.profile.orchestratorKills; round++) {
        await sleep(random(500, 3000));
        // Mostly one instance (the survivor takes over), sometimes both (nobody is left).
        const victims = Math.random() < 0.25 ? [0, 1] : [random(0, 2)];
        await Promise.all(victims.map((v) => fleet.kill(v)));
        await sleep(random(200, 2000));
        await Promise.all(victims.map((v) => fleet.startInstance(v)));
      }
      return { endedAt: Date.now() };
    },
  },
  {
    name: 'poison',
    what: 'poison messages of every kind are mixed into the order stream',
    window: { readyMustDrop: false, liveStepsMustBeComplete: true },
    async run(world) {
      for (const poison of poisonMessages()) {
        await world.poison.inject(poison);
        await sleep(300);
      }
      const original = world.stream.orders.find((o) => o.kind.name === 'success');
      if (!original) throw new Error('no order placed yet to repeat the eventId of');
      await world.poison.inject(duplicateEventId(original.message));
      return { endedAt: Date.now() };
    },
  },
  {
    name: 'slow-subscriber',
    what: 'a subscriber that never reads its socket, next to a healthy one, while a burst of orders runs',
    window: { readyMustDrop: false, liveStepsMustBeComplete: true },
    async run(world) {
      const slow = new SlowSubscriber();
      world.closers.push(async () => slow.stop());
      await slow.start(world.fleet.urls()[0]);
      const total = world.infra.profile.slowSubscriberOrders;
      for (let placed = 0; placed < total; placed += 25) {
        world.stream.burst(Math.min(25, total - placed));
        await sleep(250);
      }
      return { endedAt: Date.now() };
    },
  },
];
