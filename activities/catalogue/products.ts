import { eq } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { pages, products } from '../../db/schema/index.ts';
import { livePage } from './pages.ts';
import { currencyRefusal, sameAs, retireRow, upserted, type Upserted } from './upsert.ts';

/** A product as another service syncs it: `PUT /v1/admin/products/{productRef}`. */
export interface ProductInput {
  pageRef: string;
  title: string;
  priceMinor: number;
  currency: string;
  active: boolean;
}

export type ProductView = ProductInput & {
  ref: string;
  /** What the storefront puts in carts (`POST /v1/cart/products {productId}`). */
  productId: number;
  retiredAt: string | null;
};

async function viewOf(db: Executor, ref: string): Promise<ProductView | undefined> {
  const [row] = await db
    .select({ product: products, pageRef: pages.ref })
    .from(products)
    .innerJoin(pages, eq(pages.id, products.pageId))
    .where(eq(products.ref, ref));
  if (!row) return undefined;
  const { product } = row;
  return {
    ref,
    productId: product.id,
    pageRef: row.pageRef ?? '',
    title: product.title,
    priceMinor: product.priceMinor,
    currency: product.currency,
    active: product.active,
    retiredAt: product.retiredAt?.toISOString() ?? null,
  };
}

export const readProduct = (db: Executor, ref: string) => viewOf(db, ref);

/**
 * Creates or replaces a product, in one transaction. Its currency is its page's; a new price
 * applies to carts from now on (an open checkout keeps what its order snapshotted). A repeat
 * changes nothing; a PUT of a retired product brings it back.
 */
export function putProduct(
  db: Database,
  ref: string,
  input: ProductInput,
): Promise<Upserted<ProductView>> {
  return db.transaction(async (tx) => {
    const page = await livePage(tx, input.pageRef, 'body.pageRef');
    if ('kind' in page) return page;
    const wrongCurrency = currencyRefusal(page.currency, input.currency);
    if (wrongCurrency) return wrongCurrency;
    const fields = {
      pageId: page.id,
      title: input.title,
      priceMinor: input.priceMinor,
      currency: input.currency,
      active: input.active,
      retiredAt: null,
    };
    const [existing] = await tx.select().from(products).where(eq(products.ref, ref)).for('update');
    return upserted(
      existing,
      existing !== undefined && sameAs(existing, fields),
      {
        // The slug is the ref: unique with it, and the page's other products keep theirs.
        insert: () => tx.insert(products).values({ ref, slug: ref, ...fields }),
        update: () =>
          tx
            .update(products)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(products.id, existing!.id)),
      },
      () => viewOf(tx, ref),
    );
  });
}

/** Retires a product: lines in carts become unavailable; orders keep their snapshot. */
export async function retireProduct(db: Database, ref: string) {
  await retireRow(db, products, eq(products.ref, ref));
  return viewOf(db, ref);
}
