import { readFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { loadConfig } from '../src/config';

/**
 * Checks docker-compose.yaml without a container engine: valid YAML, the Compose structure this
 * project relies on (services with an image or a build, known depends_on targets and conditions,
 * healthchecks where a condition waits for them, declared named volumes, "host:container" ports),
 * and an orchestrator environment the service's own configuration accepts.
 */
export function composeProblems(text: string): string[] {
  const doc = parseDocument(text);
  if (doc.errors.length) return doc.errors.map((e) => `YAML: ${e.message}`);
  const problems: string[] = [];
  const file = doc.toJS() as Record<string, any> | null;
  if (!file || typeof file !== 'object') return ['the file is empty or not a mapping'];
  if (!isMap(doc.get('services'))) return ['`services` must be a mapping'];
  const services: Record<string, any> = file.services;
  const volumes = new Set(Object.keys(file.volumes ?? {}));
  for (const [name, service] of Object.entries(services)) {
    const at = `services.${name}`;
    if (!service || typeof service !== 'object') { problems.push(`${at} must be a mapping`); continue; }
    if (!service.image && !service.build) problems.push(`${at} needs an image or a build`);
    const deps = service.depends_on ?? {};
    for (const [dep, spec] of Object.entries<any>(Array.isArray(deps) ? Object.fromEntries(deps.map((d: string) => [d, {}])) : deps)) {
      if (!services[dep]) problems.push(`${at}.depends_on: no service ${dep}`);
      const condition = spec?.condition;
      if (condition && !['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition)) problems.push(`${at}.depends_on.${dep}: unknown condition ${condition}`);
      if (condition === 'service_healthy' && services[dep] && !services[dep].healthcheck) problems.push(`${at}.depends_on.${dep}: waits for health, but ${dep} has no healthcheck`);
    }
    for (const port of service.ports ?? []) {
      if (typeof port !== 'string' || !/^(\d+(\.\d+){3}:)?\d+:\d+(\/(tcp|udp))?$/.test(port)) problems.push(`${at}.ports: "${port}" should be a quoted "host:container" string`);
    }
    for (const mount of service.volumes ?? []) {
      const source = typeof mount === 'string' ? mount.split(':')[0] : mount?.source;
      if (source && !/^[./~]/.test(source) && !volumes.has(source)) problems.push(`${at}.volumes: named volume ${source} is not declared under volumes`);
    }
    if (service.environment !== undefined && (!isMap(doc.getIn(['services', name, 'environment'])) && !isSeq(doc.getIn(['services', name, 'environment'])))) problems.push(`${at}.environment must be a mapping or a list`);
    if (service.healthcheck && !service.healthcheck.test) problems.push(`${at}.healthcheck needs a test`);
  }
  const orchestrator = Object.values(services).find((s: any) => s?.build);
  if (orchestrator?.environment && !Array.isArray(orchestrator.environment)) {
    const env = Object.fromEntries(Object.entries(orchestrator.environment).map(([k, v]) => [k, String(v)]));
    try {
      loadConfig(env, []);
    } catch (error) {
      problems.push(`the orchestrator's environment: ${(error as Error).message}`);
    }
  }
  return problems;
}

if (require.main === module) {
  const path = process.argv[2] ?? 'docker-compose.yaml';
  const problems = composeProblems(readFileSync(path, 'utf8'));
  if (problems.length) {
    process.stderr.write(`${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`${path}: valid\n`);
}
