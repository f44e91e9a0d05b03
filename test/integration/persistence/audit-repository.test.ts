import type { MikroORM } from '@mikro-orm/postgresql';
import { AuditRepository } from '../../../src/persistence/audit-repository';
import { openTestDatabase } from '../../helpers/services';

/** AuditRepository on the real database: the filters' edges. */
describe('AuditRepository', () => {
  let orm: MikroORM;
  let close: () => Promise<void>;
  beforeAll(async () => { ({ orm, close } = await openTestDatabase()); });
  afterAll(() => close());

  it('takes any instant a DateTimeISO can be as a bound, year 0 included', async () => {
    const audit = new AuditRepository(orm);
    expect(await audit.list({ since: new Date('0000-01-01T00:00:00Z') }, 10)).toEqual([]);
    expect(await audit.list({ until: new Date('0000-01-01T00:00:00Z') }, 10)).toEqual([]);
    expect(await audit.list({ since: new Date('+100000-01-01T00:00:00Z') }, 10)).toEqual([]);
  });
});
