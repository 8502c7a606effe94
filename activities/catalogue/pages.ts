import { and, eq, isNull, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { describeSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import {
  pagePaymentSettings,
  pages,
  products,
  type UnansweredBookingPolicy,
} from '../../db/schema/index.ts';
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
