import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkoutStates } from './checkout-states.ts';

/** The command line was wrong: the CLI prints why and the usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util's parseArgs, strict, with positionals; what it refuses is a UsageError. */
export function parseCommandLine<const T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    // node:util reports unknown options and missing values as TypeErrors.
    throw new UsageError((error as Error).message);
  }
}

export const usage = `Usage: npm run ops -- <command> [options]

Commands, each printing one JSON line per result:
  status          --order <id> | --workflow <id>  the checkout's status (its checkoutStatus query)
  cancel          --order <id> | --workflow <id>  cancel a checkout still waiting for payment
  recheck         --order <id> | --workflow <id>  make the checkout read SumUp now
  refund-handled  --order <id> | --workflow <id>  the refund owed was handled outside rose-checkout
  list            --status <state> and/or --order <id> [--limit <n>]
                  the workflows that match: open ones first, then the latest closed
  generations     [--task-queue <name>]  running checkouts per generation (a line each):
                  an older path is retired once its count stays 0 (ARCHITECTURE.md)

Events and their subscribers (in PostgreSQL: DATABASE_URL, CREDENTIALS_KEYS):
  subscribers add --url <url> [--events <type,…>]  prints the new subscriber and its secret
  subscribers list | remove --id <n> | enable --id <n>
  subscribers rotate --id <n> [--overlap-hours <h>]  a new secret; the old one also signs
                  for <h> hours (default 24)
  events failed [--limit <n>]   deliveries failing or waiting for a disabled subscriber
  events replay --id <event id> | --since <ISO time>  send those events again
  tickets check-in --code <code> [--entry <id>]  as the door does (audited as ops)
  orders refund --order <id> (--item <itemId[:quantity]>… [--force] | --amount <minor>) --reason <why>
  orders cancel --order <id> --reason <why> [--force]   refund all that is left
  bookings accept --entry <id> | decline --entry <id> --reason <why>
                  orders refund, orders cancel and bookings decline each run under an
                  idempotency key, as the admin API requires an Idempotency-Key header: a new
                  key per run, printed with the answer (and with a failure) as
                  "idempotencyKey". [--idempotency-key <key>] retries that run: the same
                  command answers the same refund and changes nothing; another command with
                  it is refused (exit 1, "idempotency_key_reused")
  refunds owed [--limit <n>]    refunds not yet paid back, oldest first, each with how to settle it
  refunds handled --id <refund id>  an admin's refund was paid back by hand (audited as ops)

Options:
  --order <id>         the order, found by its OrderId search attribute: status reads the
                       newest workflow that carries it; an action signals the open one
                       (the checkout, or a late payment's reconcile:order:<id>)
  --workflow <id>      a workflow id instead, e.g. checkout:page:3:user:42
  --status <state>     ${wrap(checkoutStates.join(', '), 70, ' '.repeat(23))}
  --task-queue <name>  only workflows on this task queue
  --limit <n>          list at most this many (default 100)
  -h, --help           this text

Environment: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default default).
Exit codes: 0 done; 1 not done (no such order, workflow closed, Temporal unreachable),
with a JSON line {"error", "message", …} on stderr; 2 a command line it does not understand.
`;

function wrap(text: string, width: number, indent: string): string {
  const lines = [''];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (lines[last]!.length + word.length > width) lines.push(word);
    else lines[last] = lines[last] === '' ? word : `${lines[last]} ${word}`;
  }
  return lines.join(`\n${indent}`);
}
