import type { Database } from '../../db/client.ts';
import type { OpenOrderResult } from '../../workflows/checkout-types.ts';
import { claimIn, releaseIn } from '../calendar/claims.ts';
import { createOrderIn, type CreateOrderInput, type CreateOrderOptions } from './create-order.ts';

/**
 * The order from the cart and its claims, in one transaction: one round trip for the
 * workflow and one commit for PostgreSQL, where a checkout used to take two of each. A claim
 * that fails closes the order in the same transaction, as releasing it would have. Opening
 * again answers the same order and claim.
 */
export function openOrder(
  db: Database,
  input: CreateOrderInput,
  options: CreateOrderOptions = {},
): Promise<OpenOrderResult> {
  return db.transaction(async (tx) => {
    const created = await createOrderIn(tx, input, options);
    if (created.kind !== 'created') return created;
    const { orderId } = created.order;
    const claim = await claimIn(tx, orderId);
    if (!claim.claimed) await releaseIn(tx, orderId, 'failed', 'lines_unavailable');
    return { ...created, claim };
  });
}
