import { parseOpsArguments, type OpsCommand } from './arguments.ts';
import { eventCommandGroups, parseEventCommand } from './event-commands.ts';
import { usage, UsageError } from './usage.ts';

// `npm run ops -- <command>`: ops actions on checkouts through Temporal alone (signals,
// queries, visibility), so they work while the database or the API are down; and on events
// and their subscribers, in PostgreSQL.

const argv = process.argv.slice(2);
if (eventCommandGroups.includes(argv[0] ?? '')) {
  // Events and their subscribers live in PostgreSQL, not in Temporal.
  let eventCommand;
  try {
    eventCommand = parseEventCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ops: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
  const { runWithDatabase } = await import('./with-database.ts');
  process.exit(await runWithDatabase(eventCommand));
}

let command: OpsCommand;
try {
  command = parseOpsArguments(argv);
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
