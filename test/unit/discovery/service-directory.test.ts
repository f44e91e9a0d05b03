import pino from 'pino';
import type { EurekaClient, RenewResult } from '../../../src/discovery/eureka-client';
import type { InstanceSpec } from '../../../src/discovery/eureka-model';
import { EurekaRegistration } from '../../../src/discovery/eureka-registration';
import { EurekaServiceDirectory, FallbackServiceDirectory, StaticServiceDirectory } from '../../../src/discovery/service-directory';
import { eventually } from '../../helpers/services';

const silent = pino({ level: 'silent' });

const registry = (...ids: string[]) => ({
  applications: { application: [{ name: 'PRODUCT-SERVICE', instance: ids.map((id) => ({ instanceId: id, hostName: id, status: 'UP', port: { $: 80, '@enabled': 'true' } })) }] },
});

/** A Eureka client whose answers the test scripts; `calls` records what was asked. */
function scriptedClient(answers: { applications?: () => unknown; register?: () => void; renew?: () => RenewResult }) {
  const calls: string[] = [];
  const client = {
    async applications() { calls.push('applications'); return answers.applications!(); },
    async register() { calls.push('register'); answers.register?.(); },
    async renew() { calls.push('renew'); return answers.renew?.() ?? 'renewed'; },
    async deregister() { calls.push('deregister'); },
  };
  return { client: client as unknown as EurekaClient, calls };
}

describe('EurekaServiceDirectory', () => {
  it('waits for the first registry read, then takes the UP instances in turn', async () => {
    const { client } = scriptedClient({ applications: () => registry('b', 'a') });
    const directory = new EurekaServiceDirectory(client, silent, { refreshMs: 60_000 });
    directory.start();
    const picks = [];
    for (let i = 0; i < 3; i += 1) picks.push((await directory.pick('product-service'))?.id);
    expect(picks).toEqual(['a', 'b', 'a']);
    expect(await directory.pick('other')).toBeUndefined();
    directory.stop();
  });

  it('skips an instance reported unreachable and reads the registry again; keeps the last registry when Eureka fails', async () => {
    let answer: () => unknown = () => registry('a', 'b');
    const { client, calls } = scriptedClient({ applications: () => answer() });
    const directory = new EurekaServiceDirectory(client, silent, { refreshMs: 60_000, minRefreshGapMs: 0 });
    directory.start();
    const first = (await directory.pick('PRODUCT-SERVICE'))!;
    answer = () => { throw new Error('connection refused'); };
    directory.reportFailure('product-service', first);
    await eventually(() => (calls.filter((c) => c === 'applications').length === 2 ? true : undefined), 5000, 'a second registry read');
    await directory.refresh();
    const next = [];
    for (let i = 0; i < 3; i += 1) next.push((await directory.pick('product-service'))?.id);
    expect(next).toEqual(['b', 'b', 'b']);
    directory.stop();
  });
});

describe('FallbackServiceDirectory', () => {
  it('asks the static addresses only when Eureka knows no UP instance', async () => {
    const { client } = scriptedClient({ applications: () => registry('a') });
    const eureka = new EurekaServiceDirectory(client, silent, { refreshMs: 60_000 });
    eureka.start();
    const directory = new FallbackServiceDirectory([eureka, new StaticServiceDirectory({ 'product-service': 'http://static', 'payment-service': 'http://pay' })]);
    expect((await directory.pick('product-service'))?.baseUrl).toBe('http://a:80');
    expect((await directory.pick('Payment-Service'))?.baseUrl).toBe('http://pay');
    expect(await directory.pick('order-service')).toBeUndefined();
    eureka.stop();
  });
});

describe('EurekaRegistration', () => {
  const spec: InstanceSpec = { app: 'ORCH', instanceId: 'h:ORCH:1', hostName: 'h', ipAddr: '127.0.0.1', port: 1, renewalIntervalSeconds: 1, leaseDurationSeconds: 3 };

  it('retries a failed registration in the background, renews, registers again after a 404, and deregisters on stop', async () => {
    let registerFailures = 2;
    let renewals = 0;
    const { client, calls } = scriptedClient({
      register: () => { if (registerFailures-- > 0) throw new Error('connection refused'); },
      renew: () => (++renewals === 2 ? 'unknown' : 'renewed'),
    });
    const registration = new EurekaRegistration(client, spec, silent, { retryInitialMs: 10 });
    registration.start();
    expect(registration.status).toBe('registering');
    await eventually(() => (calls.filter((c) => c === 'register').length === 4 ? true : undefined), 10_000, 'the registration after the 404');
    await registration.stop();
    expect(calls.slice(0, 6)).toEqual(['register', 'register', 'register', 'renew', 'renew', 'register']);
    expect(calls[calls.length - 1]).toBe('deregister');
    expect(registration.status).toBe('stopped');
  });
});
