import type { Database } from '../db/client.ts';
import { createEventActivities } from './events/index.ts';

export interface ActivityDependencies {
  db: Database;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ db }: ActivityDependencies) {
  return {
    ...createEventActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
