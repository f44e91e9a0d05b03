/**
 * Every interface the runtime needs from the outside, one file per port. persistence/ and
 * messaging/ implement them, app/ wires the implementations in; nothing in runtime/ imports an
 * adapter (test/unit/runtime/ports-only.test.ts keeps it so).
 */
export * from './audit';
export * from './bulk-actions';
export * from './changes';
export * from './definitions';
export * from './metrics';
export * from './outbox';
export * from './reads';
export * from './retention';
export * from './saga-store';
export * from './transport';
export * from './saga-module';
