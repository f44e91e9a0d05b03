import { registrationBody, upInstances } from '../../../src/discovery/eureka-model';
import { instanceSpec } from '../../../src/discovery';
import { pickRoundRobin } from '../../../src/discovery/service-directory';
import { loadConfig } from '../../../src/config';

describe('registrationBody', () => {
  it('announces the instance with /health and /ready as health and status URLs', () => {
    const { instance } = registrationBody({
      app: 'orchestrator-service', instanceId: 'h1:ORCHESTRATOR-SERVICE:8095', hostName: 'h1', ipAddr: '10.0.0.5', port: 8095,
      renewalIntervalSeconds: 30, leaseDurationSeconds: 90,
    });
    expect(instance).toMatchObject({
      app: 'ORCHESTRATOR-SERVICE', instanceId: 'h1:ORCHESTRATOR-SERVICE:8095', hostName: 'h1', ipAddr: '10.0.0.5', status: 'UP',
      port: { $: 8095, '@enabled': 'true' }, securePort: { '@enabled': 'false' },
      healthCheckUrl: 'http://h1:8095/health', statusPageUrl: 'http://h1:8095/ready', homePageUrl: 'http://h1:8095/',
      vipAddress: 'orchestrator-service', leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: 90 },
      dataCenterInfo: { name: 'MyOwn' },
    });
  });
});

describe('upInstances', () => {
  const instance = (id: string, status = 'UP', port = 8081, enabled = 'true') => ({
    instanceId: id, hostName: `${id}.local`, status, port: { $: port, '@enabled': enabled }, securePort: { $: 8443, '@enabled': 'false' },
  });

  it('keeps UP instances per app, sorted by id, whether Eureka sent a list or a bare object', () => {
    const registry = upInstances({
      applications: {
        application: [
          { name: 'PRODUCT-SERVICE', instance: [instance('b'), instance('a'), instance('c', 'DOWN'), instance('d', 'OUT_OF_SERVICE')] },
          { name: 'payment-service', instance: instance('p', 'UP', 9000) },
        ],
      },
    });
    expect(registry.get('PRODUCT-SERVICE')).toEqual([{ id: 'a', baseUrl: 'http://a.local:8081' }, { id: 'b', baseUrl: 'http://b.local:8081' }]);
    expect(registry.get('PAYMENT-SERVICE')).toEqual([{ id: 'p', baseUrl: 'http://p.local:9000' }]);
    expect(upInstances({ applications: { application: { name: 'ONE', instance: instance('x') } } }).get('ONE')).toHaveLength(1);
  });

  it('uses the secure port when only it is enabled, and tolerates an empty or odd registry', () => {
    const secureOnly = { ...instance('s', 'UP', 80, 'false'), securePort: { $: 8443, '@enabled': 'true' } };
    expect(upInstances({ applications: { application: [{ name: 'S', instance: [secureOnly] }] } }).get('S')).toEqual([{ id: 's', baseUrl: 'https://s.local:8443' }]);
    expect(upInstances({ applications: { application: [] } }).size).toBe(0);
    expect(upInstances(null).size).toBe(0);
    expect(upInstances({ applications: {} }).size).toBe(0);
  });
});

describe('pickRoundRobin', () => {
  const a = { id: 'a', baseUrl: 'http://a' };
  const b = { id: 'b', baseUrl: 'http://b' };
  const c = { id: 'c', baseUrl: 'http://c' };

  it('takes the instances in turn', () => {
    expect([0, 1, 2, 3].map((turn) => pickRoundRobin([a, b, c], turn, () => false)?.id)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('skips quarantined instances unless all of them are, and has nothing for no instances', () => {
    expect([0, 1, 2].map((turn) => pickRoundRobin([a, b, c], turn, (id) => id === 'b')?.id)).toEqual(['a', 'c', 'a']);
    expect(pickRoundRobin([a, b], 1, () => true)?.id).toBe('b');
    expect(pickRoundRobin([], 0, () => false)).toBeUndefined();
  });
});

describe('instanceSpec', () => {
  it("defaults like Spring Cloud: <host>:<app>:<port>, the bound address as host, the seed's app name", () => {
    const spec = instanceSpec(loadConfig({ SERVER_HOST: '127.0.0.1', EUREKA_SERVICE_URL: 'http://e/eureka' }, []), 8095);
    expect(spec).toMatchObject({ app: 'ORCHESTRATOR-SERVICE', hostName: '127.0.0.1', ipAddr: '127.0.0.1', port: 8095, instanceId: '127.0.0.1:ORCHESTRATOR-SERVICE:8095' });
  });

  it('takes the configured host, IP and id, and the IP as host name when preferred', () => {
    const env = { SERVER_HOST: '0.0.0.0', EUREKA_INSTANCE_HOSTNAME: 'orch-1', EUREKA_INSTANCE_IP: '10.1.2.3', EUREKA_INSTANCE_ID: 'orch-1:a' };
    expect(instanceSpec(loadConfig(env, []), 1)).toMatchObject({ hostName: 'orch-1', ipAddr: '10.1.2.3', instanceId: 'orch-1:a' });
    expect(instanceSpec(loadConfig({ ...env, EUREKA_PREFER_IP_ADDRESS: 'true' }, []), 1).hostName).toBe('10.1.2.3');
  });
});
