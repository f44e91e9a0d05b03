import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125230105 } from './Migration20261125230105';

/** Every migration, in order. Add new ones here after `npm run migration:create`. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261125230105', class: Migration20261125230105 },
];
