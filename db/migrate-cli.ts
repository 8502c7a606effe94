import { applyMigrations } from './migrate.ts';
import { openDatabase } from './open.ts';

// `npm run db:migrate`: DATABASE_URL when set, else the embedded cluster under .data/.
const database = await openDatabase();
try {
  await applyMigrations(database.url);
  console.log(`migrations applied to ${database.description}`);
} finally {
  await database.stop();
}
