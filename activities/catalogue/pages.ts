import { and, count, eq, inArray, isNotNull, isNull, ne, or } from 'drizzle-orm';
import type { KeyRing } from '../../config/key-ring.ts';
import type { Database, Executor } from '../../db/client.ts';
import {
  currentSumupMerchant,
  describeSumupCredentials,
  storeSumupCredentials,
} from '../../db/queries/sumup-credentials.ts';
import {
  orders,
  pagePaymentSettings,
  pages,
  products,
  refunds,
  type UnansweredBookingPolicy,
} from '../../db/schema/index.ts';
import { Secret } from '../../db/secret.ts';
import { refused, sameAs, retireRow, upserted, type Refused, type Upserted } from './upsert.ts';

/** A page as another service syncs it: `PUT /v1/admin/pages/{pageRef}`. */
export interface PageInput {
  title: string;
  slug: string;
  currency: string;
  checkoutReferencePrefix: string;
  autoRefund: boolean;
  unansweredBookings: UnansweredBookingPolicy;
}

export type PageView = PageInput & {
  ref: string;
  /** What the storefront names the page by (`POST /v1/checkouts {pageId}`). */
  pageId: number;
  retiredAt: string | null;
  sumup: { merchantCode: string; apiKeyLast4: string | null; setAt: string } | null;
};

async function pageRow(db: Executor, ref: string, lock = false) {
  const query = db
    .select({ page: pages, settings: pagePaymentSettings })
    .from(pages)
    .leftJoin(pagePaymentSettings, eq(pagePaymentSettings.pageId, pages.id))
    .where(eq(pages.ref, ref));
  const [row] = lock ? await query.for('update', { of: pages }) : await query;
  return row;
}

async function viewOf(db: Executor, ref: string): Promise<PageView | undefined> {
  const row = await pageRow(db, ref);
  if (!row) return undefined;
  const { page, settings } = row;
  return {
    ref,
    pageId: page.id,
    title: page.title,
    slug: page.slug,
    currency: settings?.currency ?? '',
    checkoutReferencePrefix: settings?.checkoutReferencePrefix ?? '',
    autoRefund: settings?.autoRefund ?? false,
    unansweredBookings: page.unansweredBookings,
    retiredAt: page.retiredAt?.toISOString() ?? null,
    sumup: (await describeSumupCredentials(db, page.id)) ?? null,
  };
}

export const readPage = (db: Executor, ref: string) => viewOf(db, ref);

/** Why nothing new goes on a page: it is retired (409). */
export const retiredPage = (retiredAt: Date | null, field: string): Refused | undefined =>
  retiredAt
    ? refused(409, 'page_retired', 'The page is retired: nothing new is added to it.', field)
    : undefined;

/** The page a child resource names, or why it cannot be used: unknown (404), retired (409). */
export async function livePage(
  db: Executor,
  ref: string,
  field: string,
): Promise<{ id: number; currency: string } | Refused> {
  const row = await pageRow(db, ref);
  if (!row) return refused(404, 'page_not_found', `No page has the ref "${ref}".`, field);
  const retired = retiredPage(row.page.retiredAt, field);
  if (retired) return retired;
  return { id: row.page.id, currency: row.settings?.currency ?? '' };
}

/**
 * Creates or replaces a page and its payment settings, in one transaction. A repeat changes
 * nothing; a PUT of a retired page brings it back. Refused: a slug another page has (409),
 * a currency change while the page sells in the old one (409).
 */
export function putPage(db: Database, ref: string, input: PageInput): Promise<Upserted<PageView>> {
  return db.transaction(async (tx) => {
    const existing = await pageRow(tx, ref, true);
    const [slugTaken] = await tx
      .select({ id: pages.id })
      .from(pages)
      .where(
        and(eq(pages.slug, input.slug), existing ? ne(pages.id, existing.page.id) : undefined),
      );
    if (slugTaken) {
      return refused(409, 'slug_taken', 'Another page has that slug.', 'body.slug');
    }
    const pageFields = {
      title: input.title,
      slug: input.slug,
      unansweredBookings: input.unansweredBookings,
      retiredAt: null,
    };
    const settingsFields = {
      currency: input.currency,
      checkoutReferencePrefix: input.checkoutReferencePrefix,
      autoRefund: input.autoRefund,
    };
    if (existing?.settings && existing.settings.currency !== input.currency) {
      const [selling] = await tx
        .select({ id: products.id })
        .from(products)
        .where(
          and(
            eq(products.pageId, existing.page.id),
            isNull(products.retiredAt),
            ne(products.currency, input.currency),
          ),
        )
        .limit(1);
      if (selling) {
        return refused(
          409,
          'currency_in_use',
          `The page sells products in ${existing.settings.currency}: retire or reprice them first.`,
          'body.currency',
        );
      }
    }
    const same =
      existing !== undefined &&
      sameAs(existing.page, pageFields) &&
      existing.settings !== null &&
      sameAs(existing.settings, settingsFields);
    const writeSettings = (pageId: number) =>
      tx
        .insert(pagePaymentSettings)
        .values({ pageId, ...settingsFields })
        .onConflictDoUpdate({
          target: pagePaymentSettings.pageId,
          set: { ...settingsFields, updatedAt: new Date() },
        });
    return upserted(
      existing,
      same,
      {
        insert: async () => {
          const [page] = await tx
            .insert(pages)
            .values({ ref, ...pageFields })
            .returning({ id: pages.id });
          await writeSettings(page!.id);
        },
        update: async () => {
          await tx
            .update(pages)
            .set({ ...pageFields, updatedAt: new Date() })
            .where(eq(pages.id, existing!.page.id));
          await writeSettings(existing!.page.id);
        },
      },
      () => viewOf(tx, ref),
    );
  });
}

/** Retires a page: its products, bookings and tickets are no longer sold; orders keep theirs. */
export async function retirePage(db: Database, ref: string): Promise<PageView | undefined> {
  await retireRow(db, pages, eq(pages.ref, ref));
  return viewOf(db, ref);
}

/** What an earlier merchant of a page still has open: the money a change of merchant strands. */
export interface MerchantInUse {
  /** Pending orders made for another merchant: their SumUp checkouts live there. */
  openCheckouts: number;
  /** Refunds not yet paid back (due, or refused by SumUp) of that merchant's payments. */
  refundsOwed: number;
}

/**
 * Sets a page's SumUp merchant and key (already checked with SumUp). The same merchant again
 * is a key rotation, always taken. Another merchant is refused (409 `merchant_in_use`, with
 * the counts) while the page's earlier merchants have checkouts open or refunds owed, and
 * nothing changes: that money must settle at its own merchant first. The page's row is
 * locked FOR UPDATE meanwhile, which waits for orders being made on the page (their
 * key-share lock, create-order.ts) and keeps new ones waiting, so none slips past the count.
 */
export function setPageSumup(
  db: Database,
  ring: KeyRing | undefined,
  pageId: number,
  credentials: { merchantCode: string; apiKey: Secret },
): Promise<{ kind: 'stored' } | Refused> {
  return db.transaction(async (tx) => {
    const merchant = new Secret(credentials.merchantCode);
    const current = await currentSumupMerchant(tx, pageId, 'update');
    if (current && current.reveal() !== credentials.merchantCode) {
      const inUse = await merchantInUse(tx, pageId, merchant);
      if (inUse.openCheckouts > 0 || inUse.refundsOwed > 0) {
        return refused(
          409,
          'merchant_in_use',
          `The page's merchant still has ${inUse.openCheckouts} checkouts open and ${inUse.refundsOwed} refunds owed: change it once they are settled.`,
          'body.merchantCode',
          { ...inUse },
        );
      }
    }
    await storeSumupCredentials(tx, ring, pageId, credentials);
    return { kind: 'stored' as const };
  });
}

/** The page's orders at a merchant other than `merchant` that still have money open. */
async function merchantInUse(
  tx: Executor,
  pageId: number,
  merchant: Secret,
): Promise<MerchantInUse> {
  // An order at another merchant: one that names it, or one that names none (made before
  // orders kept theirs) yet has a checkout, made at the merchant the page paid then.
  const atAnotherMerchant = and(
    eq(orders.pageId, pageId),
    or(
      ne(orders.sumupMerchantCode, merchant),
      and(isNull(orders.sumupMerchantCode), isNotNull(orders.sumupCheckoutId)),
    ),
  );
  const [open] = await tx
    .select({ n: count() })
    .from(orders)
    .where(and(atAnotherMerchant, eq(orders.status, 'pending')));
  const [owed] = await tx
    .select({ n: count() })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(atAnotherMerchant, inArray(refunds.status, ['due', 'failed'])));
  return { openCheckouts: open!.n, refundsOwed: owed!.n };
}
