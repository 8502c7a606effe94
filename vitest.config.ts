import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-file.ts'],
    // Temporal's native worker and PostgreSQL clients want real processes, not threads.
    pool: 'forks',
    // Real servers: a workflow round-trip takes a little while, never a minute.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
