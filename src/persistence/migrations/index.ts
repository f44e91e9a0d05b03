import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125230105 } from './Migration20261125230105';
import { Migration20261125233358 } from './Migration20261125233358';
import { Migration20261125233523 } from './Migration20261125233523';
import { Migration20261126000710 } from './Migration20261126000710';
import { Migration20261126011000 } from './Migration20261126011000';
import { Migration20261126010000 } from './Migration20261126010000';
import { Migration20261126020000 } from './Migration20261126020000';
import { Migration20261126040000 } from './Migration20261126040000';
import { Migration20261126050000 } from './Migration20261126050000';
import { Migration20261201080000 } from './Migration20261201080000';
import { Migration20261202100000 } from './Migration20261202100000';
import { Migration20261202110000 } from './Migration20261202110000';
import { Migration20261202120000 } from './Migration20261202120000';

/** Every migration, in order. Add new ones here after `npm run migration:create`. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261125230105', class: Migration20261125230105 },
  { name: 'Migration20261125233358', class: Migration20261125233358 },
  { name: 'Migration20261125233523', class: Migration20261125233523 },
  { name: 'Migration20261126000710', class: Migration20261126000710 },
  { name: 'Migration20261126011000', class: Migration20261126011000 },
  { name: 'Migration20261126010000', class: Migration20261126010000 },
  { name: 'Migration20261126020000', class: Migration20261126020000 },
  { name: 'Migration20261126040000', class: Migration20261126040000 },
  { name: 'Migration20261126050000', class: Migration20261126050000 },
  { name: 'Migration20261201080000', class: Migration20261201080000 },
  { name: 'Migration20261202100000', class: Migration20261202100000 },
  { name: 'Migration20261202110000', class: Migration20261202110000 },
  { name: 'Migration20261202120000', class: Migration20261202120000 },
];
