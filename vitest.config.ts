import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The suite by area, so the report groups results as the project is built. Each test file
// lands in exactly one area (unmatched ones in "operations"), so none is ever left out.
const areas: [area: string, matches: RegExp][] = [
  ['api', /^(api-|checkout-flow)/],
  ['workflow', /^(checkout-|replay|time-skipping|worker-process|workflow-)/],
  ['sumup', /^sumup-/],
  ['database', /^schema-/],
  ['operations', /./],
];
const files = readdirSync('test').filter((name) => name.endsWith('.test.ts'));
const areaOf = (file: string) => areas.find(([, matches]) => matches.test(file))![0];

export default defineConfig({
  test: {
    // Once for the whole run, whatever the area: one PostgreSQL, one Temporal server.
    globalSetup: ['test/harness/global-setup.ts'],
    reporters: process.env.TEST_REPORT ? ['default', 'html'] : ['default'],
    outputFile: { html: 'reports/tests/index.html' },
    projects: areas.map(([area]) => ({
      test: {
        name: area,
        include: files.filter((file) => areaOf(file) === area).map((file) => `test/${file}`),
        setupFiles: ['test/harness/setup-file.ts'],
        // Temporal's native worker and PostgreSQL clients want real processes, not threads.
        pool: 'forks' as const,
        // Real servers: a workflow round-trip takes a little while, never a minute.
        testTimeout: 60_000,
        hookTimeout: 120_000,
        teardownTimeout: 60_000,
      },
    })),
  },
});
