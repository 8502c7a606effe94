import { and, count, eq } from 'drizzle-orm';
import { tickets } from '../../db/schema/index.ts';
import type { BenchContext, ScenarioResult } from '../context.ts';
import { settledOrders } from '../orders.ts';
import { shoppersRacingForSeats } from '../shoppers.ts';
import { round, runConcurrently } from '../stats.ts';

/**
 * P5: many shoppers race for few seats, all at once. Exactly `seats` must end confirmed;
 * everyone else is refused (sold out at claim) or refunded.
 */
export async function contention(
  ctx: BenchContext,
  options: { shoppers: number; seats: number; concurrency: number },
): Promise<ScenarioResult> {
  const { db, stack, api } = ctx;
  const { shoppers, ticketTypeId } = await shoppersRacingForSeats(
    db,
    stack.shop,
    options.seats,
    options.shoppers,
  );
  const started = performance.now();
  const race = await runConcurrently(shoppers.length, options.concurrency, (i) =>
    api.startCheckout(shoppers[i]!, stack.shop.pageId),
  );
  const holding = race.results.filter((r) => r.status === 200 && r.hostedCheckoutUrl);
  const refused = race.results.filter((r) => r.status === 409).length;
  await runConcurrently(holding.length, 20, (i) => api.pay(holding[i]!.hostedCheckoutUrl!));
  await settledOrders(
    db,
    holding.map((h) => h.orderId!),
  );
  const settledMs = performance.now() - started;
  const [confirmed] = await db
    .select({ n: count() })
    .from(tickets)
    .where(and(eq(tickets.ticketTypeId, ticketTypeId), eq(tickets.state, 'confirmed')));
  const exact = confirmed!.n === options.seats && holding.length + refused === shoppers.length;
  return {
    id: 'P5',
    title: `contention (${options.shoppers} shoppers, ${options.seats} seats)`,
    figures: {
      holdingSeats: holding.length,
      refused,
      otherAnswers: shoppers.length - holding.length - refused,
      // What the others were, by status and problem code (none is expected).
      others: Object.entries(
        race.results
          .filter((r) => r.status !== 409 && !(r.status === 200 && r.hostedCheckoutUrl))
          .reduce<Record<string, number>>((by, r) => {
            const key = `${r.status} ${r.code ?? r.state ?? ''}`.trim();
            by[key] = (by[key] ?? 0) + 1;
            return by;
          }, {}),
      )
        .map(([answer, n]) => `${n}× ${answer}`)
        .join(', '),
      confirmed: confirmed!.n,
      everyAnswerSeconds: round(race.elapsedMs / 1000, 2),
      settleSeconds: round(settledMs / 1000, 2),
    },
    targets: [
      { name: `exactly ${options.seats} confirmed, the rest refused`, reached: exact },
      { name: 'settled < 10 s', reached: settledMs < 10_000 },
    ],
  };
}
