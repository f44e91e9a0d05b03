/** Saga, order and selection ids are UUIDs: anything else names nothing (and would fail the stores' uuid casts). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
