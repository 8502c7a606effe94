import { parseOpsArguments, type OpsCommand } from './arguments.ts';
import { eventCommandGroups, parseEventCommand } from './event-commands.ts';
import { usage, UsageError } from './usage.ts';

// `npm run ops -- <command>`: ops actions on checkouts through Temporal alone (signals,
// queries, visibility), so they work while the database or the API are down; and on events
// and their subscribers, in PostgreSQL.

const argv = process.argv.slice(2);

/** The command line parsed, or its fault and the usage printed, and exit 2. */
function parsed<T>(parse: (argv: string[]) => T): T {
  try {
    return parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ops: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

if (eventCommandGroups.includes(argv[0] ?? '')) {
  // Events and their subscribers live in PostgreSQL, not in Temporal.
  const eventCommand = parsed(parseEventCommand);
  const { runWithDatabase } = await import('./with-database.ts');
  process.exit(await runWithDatabase(eventCommand));
}

const command: OpsCommand = parsed(parseOpsArguments);
if (command.name === 'help') {
  process.stdout.write(usage);
} else {
  // Loaded only now: the Temporal client takes seconds to load, and help or a usage
  // error should not wait for it.
  const { runWithTemporal } = await import('./with-temporal.ts');
  process.exitCode = await runWithTemporal(command);
}
