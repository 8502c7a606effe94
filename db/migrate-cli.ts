import { applyMigrations } from './migrate.ts';
import { openDatabase } from './open.ts';
import { parseCredentialsKeys } from './sealed.ts';

// `npm run db:migrate`: DATABASE_URL when set, else the embedded cluster under .data/.
const database = await openDatabase();
try {
  // Keys stored in clear by older releases are sealed with CREDENTIALS_KEYS.
  await applyMigrations(database.url, {
    credentialsKeys: parseCredentialsKeys(process.env.CREDENTIALS_KEYS),
  });
  console.log(`migrations applied to ${database.description}`);
} finally {
  await database.stop();
}
