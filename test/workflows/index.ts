// The bundle test workers run: every production workflow, and the few that exist only to
// exercise the harness.
export * from '../../workflows/index.ts';
export * from './harness-workflows.ts';
