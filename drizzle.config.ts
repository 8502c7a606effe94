import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` is used: it diffs db/schema against the committed snapshots.
// Migrations are applied by db/migrate.ts, never by pushing the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
