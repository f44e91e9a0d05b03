import { createRegistry } from '../../../src/core';
import { createSagaRegistry, ORDER_SAGA_NAME, ORDER_SAGA_VERSION } from '../../../src/sagas';
import { toyDefinition } from '../support/toy';

describe('saga registry', () => {
  const v4 = { ...toyDefinition, version: 4 };
  const registry = createRegistry([v4, toyDefinition]);

  it('resolves the exact version a saga started with, and the latest for new sagas', () => {
    expect(registry.get('toy', 3)).toBe(toyDefinition);
    expect(registry.get('toy', 4)).toBe(v4);
    expect(registry.get('toy', 5)).toBeUndefined();
    expect(registry.latest('toy')).toBe(v4);
    expect(registry.latest('nope')).toBeUndefined();
    expect(registry.list().map((d) => d.version)).toEqual([3, 4]);
  });

  it('refuses the same name and version twice', () => {
    expect(() => createRegistry([toyDefinition, toyDefinition])).toThrow('toy@3 registered twice');
  });

  it('holds the order saga built from configuration', () => {
    const sagas = createSagaRegistry({ couponPolicy: 'fail' });
    const order = sagas.latest(ORDER_SAGA_NAME);
    expect(order?.version).toBe(ORDER_SAGA_VERSION);
    expect(order?.steps.map((s) => s.name)).toEqual(['reserveInventory', 'applyCoupon', 'processPayment', 'confirmInventory']);
  });
});
