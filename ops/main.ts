import { parseOpsArguments, type OpsCommand } from './arguments.ts';
import { usage, UsageError } from './usage.ts';

// `npm run ops -- <command>`: ops actions on checkouts through Temporal alone (signals,
// queries, visibility), so they work while the database or the API are down.

let command: OpsCommand;
try {
  command = parseOpsArguments(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`ops: ${error.message}\n\n${usage}`);
  process.exit(2);
}

if (command.name === 'help') {
  process.stdout.write(usage);
} else {
  // Loaded only now: the Temporal client takes seconds to load, and help or a usage
  // error should not wait for it.
  const { runWithTemporal } = await import('./with-temporal.ts');
  process.exitCode = await runWithTemporal(command);
}
