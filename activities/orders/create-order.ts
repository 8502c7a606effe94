import { eq } from 'drizzle-orm';
import type { Executor, Database, Transaction } from '../../db/client.ts';
import { readPricedCart } from '../../db/queries/cart.ts';
import { heldLines } from '../../db/queries/held-lines.ts';
import { currentSumupMerchant } from '../../db/queries/sumup-credentials.ts';
import { orderItems, orders } from '../../db/schema/index.ts';
import type { Secret } from '../../db/secret.ts';
import type {
  CheckoutScope,
  CreateOrderResult,
  LineProblem,
  OrderSummary,
  Shopper,
} from '../../workflows/checkout-types.ts';
import { recordOrderEvent } from '../events/order-events.ts';

export interface CreateOrderInput {
  /** The same key always yields the same order: a retried activity creates nothing new. */
  idempotencyKey: string;
  workflowId: string;
  workflowRunId: string;
  shopper: Shopper;
  scope: CheckoutScope;
}

/** What the worker knows that the workflow's input does not carry. */
export interface CreateOrderOptions {
  /** SUMUP_MERCHANT_CODE: the merchant a global order is made for. */
  defaultMerchantCode?: Secret | undefined;
}

/**
 * Makes the order from a snapshot of the shopper's cart, priced on the server, with its
 * items and its `order.created` event in one transaction. The lines stay locked meanwhile,
 * and the order's items hold them until it leaves `pending`. Claims come after, separately.
 */
export function createOrderFromCart(
  db: Database,
  input: CreateOrderInput,
  options: CreateOrderOptions = {},
): Promise<CreateOrderResult> {
  return db.transaction((tx) => createOrderIn(tx, input, options));
}

/** `createOrderFromCart`'s work inside a transaction the caller holds. */
export async function createOrderIn(
  tx: Transaction,
  input: CreateOrderInput,
  options: CreateOrderOptions = {},
): Promise<CreateOrderResult> {
  const made = async (tx: Executor) => {
    const [existing] = await tx
      .select()
      .from(orders)
      .where(eq(orders.idempotencyKey, input.idempotencyKey));
    return existing && { kind: 'created' as const, order: await summary(tx, existing) };
  };
  const before = await made(tx);
  if (before) return before;

  const read = await readPricedCart(tx, input.shopper, input.scope, {
    lock: true,
    withClaimed: true,
  });
  // An earlier attempt of this same step (timed out, still running) may have made the
  // order while we waited on the lines' locks: it is ours, not another checkout's.
  const meanwhile = await made(tx);
  if (meanwhile) return meanwhile;
  // A line another open checkout holds (the other scope's, say) is not taken twice: this
  // checkout ends, naming that one, and its claimed bookings and tickets too. The unique
  // index on open order items backs this up.
  const held = await heldLines(tx, read);
  if (held.length > 0) {
    return {
      kind: 'in_checkout',
      openScope: { pageId: held[0]!.pageId },
      problems: held.map((h) => ({
        kind: h.kind,
        id: h.id,
        title: read.find((line) => line.kind === h.kind && line.id === h.id)!.title,
        reason: 'in_checkout',
      })),
    };
  }
  const lines = read.filter((line) => line.claimedBy === undefined);
  if (lines.length === 0) return { kind: 'empty' };
  const problems: LineProblem[] = lines
    .filter((line) => line.problem)
    .map((line) => ({ kind: line.kind, id: line.id, title: line.title, reason: line.problem! }));
  const currencies = [...new Set(lines.map((line) => line.currency))];
  if (currencies.length > 1) {
    for (const line of lines) {
      if (line.currency !== currencies[0]) {
        problems.push({
          kind: line.kind,
          id: line.id,
          title: line.title,
          reason: 'mixed_currencies',
        });
      }
    }
  }
  if (problems.length > 0) return { kind: 'unavailable', problems };

  const currency = currencies[0]!;
  const totalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor! * line.quantity, 0);
  const merchantCode = await merchantFor(tx, input.scope, options);
  const [order] = await tx
    .insert(orders)
    .values({
      idempotencyKey: input.idempotencyKey,
      workflowId: input.workflowId,
      workflowRunId: input.workflowRunId,
      userId: input.shopper.userId ?? null,
      sessionId: input.shopper.sessionId ?? null,
      pageId: input.scope.pageId,
      sumupMerchantCode: merchantCode ?? null,
      currency,
      totalMinor,
    })
    .returning();
  await tx.insert(orderItems).values(
    lines.map((line) => ({
      orderId: order!.id,
      kind: line.kind,
      productId: line.kind === 'product' ? line.productId! : null,
      cartLineId: line.kind === 'product' ? line.id : null,
      calendarEntryId: line.kind === 'booking' ? line.id : null,
      ticketId: line.kind === 'ticket' ? line.id : null,
      title: line.title,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor!,
      currency: line.currency,
    })),
  );
  await recordOrderEvent(tx, 'order.created', order!.id, `order.created:${order!.id}`, {});
  return { kind: 'created', order: await summary(tx, order!) };
}

/**
 * The merchant the order is made for: the page's current one, read under the page's
 * key-share lock (`currentSumupMerchant`), or the default for a global order.
 */
async function merchantFor(
  tx: Transaction,
  scope: CheckoutScope,
  options: CreateOrderOptions,
): Promise<Secret | undefined> {
  if (scope.pageId === null) return options.defaultMerchantCode;
  return currentSumupMerchant(tx, scope.pageId, 'key share');
}

async function summary(tx: Executor, order: typeof orders.$inferSelect): Promise<OrderSummary> {
  const items = await tx
    .select({ id: orderItems.id })
    .from(orderItems)
    .where(eq(orderItems.orderId, order.id));
  return {
    orderId: order.id,
    pageId: order.pageId,
    totalMinor: order.totalMinor,
    currency: order.currency,
    itemCount: items.length,
  };
}
