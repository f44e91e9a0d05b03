import { conflictMessage, definitionConflicts, DefinitionConflictError } from '../../../src/core';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('registered definitions against the sagas in use', () => {
  const registered = [{ name: 'order', version: 1, fingerprint: A }, { name: 'order', version: 2, fingerprint: B }];

  it('accepts the same fingerprint, no sagas in use, and sagas from before fingerprints were recorded', () => {
    expect(definitionConflicts(registered, [])).toEqual([]);
    expect(definitionConflicts(registered, [{ name: 'order', version: 1, fingerprint: A, running: 3 }])).toEqual([]);
    expect(definitionConflicts(registered, [{ name: 'order', version: 1, fingerprint: null, running: 3 }])).toEqual([]);
    expect(definitionConflicts(registered, [{ name: 'order', version: 1, fingerprint: B, running: 0 }])).toEqual([]);
  });

  it('refuses sagas in use that started with another fingerprint of the same version', () => {
    const conflicts = definitionConflicts(registered, [{ name: 'order', version: 1, fingerprint: B, running: 3 }]);
    expect(conflicts).toEqual([{ kind: 'changed', name: 'order', version: 1, registered: A, recorded: B, running: 3 }]);
    expect(conflictMessage(conflicts[0])).toBe(
      'order@1 has changed (fingerprint aaaaaaaaaaaa) while 3 sagas that started with it are still running (fingerprint bbbbbbbbbbbb): '
      + 'bump the version, registering the change as order@2 and keeping order@1 as it was until those sagas have finished, '
      + 'or start with the settings they started with.',
    );
  });

  it('refuses sagas in use on a version that is not registered, counted over their fingerprints', () => {
    const conflicts = definitionConflicts(registered, [
      { name: 'order', version: 0, fingerprint: A, running: 1 },
      { name: 'order', version: 0, fingerprint: null, running: 1 },
    ]);
    expect(conflicts).toEqual([{ kind: 'unregistered', name: 'order', version: 0, running: 2 }]);
    expect(conflictMessage(conflicts[0])).toBe(
      'order@0 is not registered, but 2 sagas that started with it are still running: keep registering order@0 until they have finished.',
    );
  });

  it('names every conflict in one error', () => {
    const error = new DefinitionConflictError(definitionConflicts(registered, [
      { name: 'order', version: 2, fingerprint: A, running: 1 },
      { name: 'toy', version: 1, fingerprint: A, running: 1 },
    ]));
    expect(error.code).toBe('DEFINITION_CONFLICT');
    expect(error.message).toMatch(/^refusing to start: order@2 has changed .* 1 saga that started with it is still running .* toy@1 is not registered/);
  });
});
