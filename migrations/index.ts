import { Foundation1763900000000 } from './1763900000000-foundation';

/** Every migration, in order; the data source runs them at start-up and `npm run migrate` runs them alone. */
export const migrations = [Foundation1763900000000];
