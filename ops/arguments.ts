import type { CheckoutState } from '../workflows/checkout-messages.ts';
import { checkoutStates, isCheckoutState } from './checkout-states.ts';
import { parseCommandLine, UsageError } from './usage.ts';

/** Which checkout a command acts on: an order's workflow, or a workflow named outright. */
export type Target = { orderId: string } | { workflowId: string };

export type ActionName = 'cancel' | 'recheck' | 'refund-handled';

export type OpsCommand =
  | { name: 'help' }
  | { name: ActionName | 'status'; target: Target; taskQueue?: string }
  | { name: 'generations'; taskQueue?: string }
  | {
      name: 'list';
      status?: CheckoutState;
      orderId?: string;
      taskQueue?: string;
      limit: number;
    };

const actions: readonly string[] = ['cancel', 'recheck', 'refund-handled', 'status'];
const DEFAULT_LIST_LIMIT = 100;

export function parseOpsArguments(argv: string[]): OpsCommand {
  const { values, positionals } = parseCommandLine(argv, {
    order: { type: 'string' },
    workflow: { type: 'string' },
    status: { type: 'string' },
    'task-queue': { type: 'string' },
    limit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { name: 'help' };
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('no command given');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);

  const orderId = values.order === undefined ? undefined : orderIdOf(values.order);
  const taskQueue = values['task-queue'] === undefined ? {} : { taskQueue: values['task-queue'] };
  if (taskQueue.taskQueue !== undefined) queryLiteral('--task-queue', taskQueue.taskQueue);

  if (name === 'list') {
    refuse(name, { workflow: values.workflow });
    const status = values.status === undefined ? undefined : checkoutStateOf(values.status);
    if (status === undefined && orderId === undefined)
      throw new UsageError('list needs --status <state> or --order <id>');
    return {
      name,
      ...(status === undefined ? {} : { status }),
      ...(orderId === undefined ? {} : { orderId }),
      ...taskQueue,
      limit: values.limit === undefined ? DEFAULT_LIST_LIMIT : limitOf(values.limit),
    };
  }
  if (name === 'generations') {
    refuse(name, {
      order: values.order,
      workflow: values.workflow,
      status: values.status,
      limit: values.limit,
    });
    return { name, ...taskQueue };
  }
  if (actions.includes(name)) {
    refuse(name, { status: values.status, limit: values.limit });
    return {
      name: name as ActionName | 'status',
      target: targetOf(orderId, values.workflow),
      ...taskQueue,
    };
  }
  throw new UsageError(`unknown command: ${name}`);
}

function targetOf(orderId: string | undefined, workflowId: string | undefined): Target {
  if (orderId !== undefined && workflowId !== undefined)
    throw new UsageError('give --order or --workflow, not both');
  if (orderId !== undefined) return { orderId };
  if (workflowId !== undefined && workflowId !== '') return { workflowId };
  throw new UsageError('this command needs --order <id> or --workflow <id>');
}

function refuse(command: string, options: Record<string, string | undefined>): void {
  for (const [option, value] of Object.entries(options)) {
    if (value !== undefined) throw new UsageError(`${command} takes no --${option}`);
  }
}

function orderIdOf(value: string): string {
  if (!/^[1-9][0-9]*$/.test(value))
    throw new UsageError(`--order must be an order number, not "${value}"`);
  return value;
}

function checkoutStateOf(value: string): CheckoutState {
  if (!isCheckoutState(value))
    throw new UsageError(`--status must be one of ${checkoutStates.join(', ')}; not "${value}"`);
  return value;
}

function limitOf(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number, not "${value}"`);
  return limit;
}

/** Values go into a visibility query between double quotes, so they may not hold any. */
function queryLiteral(option: string, value: string): void {
  if (value === '' || /["'\\]/.test(value))
    throw new UsageError(`${option} must be non-empty and hold no quotes or backslashes`);
}
