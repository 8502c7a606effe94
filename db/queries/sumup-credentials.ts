import { and, eq, isNotNull, ne } from 'drizzle-orm';
import type { KeyRing } from '../../config/key-ring.ts';
import type { Executor } from '../client.ts';
import { pages, pageSumupCredentials } from '../schema/index.ts';
import { CREDENTIALS_KEYS_VARIABLE, seal, unseal } from '../sealed.ts';
import { Secret } from '../secret.ts';

// A page's SumUp API keys are kept sealed (db/sealed.ts): a dump of the database, or a query
// that strays into the table, holds no key. The sealed value is bound to its page, so a row
// copied onto another page does not open there. A page keeps a row per merchant it has used:
// orders made for an earlier merchant are still read and refunded with that merchant's key.

const purpose = (pageId: number) => `page_sumup_credentials.api_key:${pageId}`;

/** The key ring, or why a SumUp key can be neither sealed nor opened without it. */
function requireRing(ring: KeyRing | undefined): KeyRing {
  if (!ring) {
    throw new Error(
      `${CREDENTIALS_KEYS_VARIABLE} is not set: pages' SumUp API keys are kept encrypted with it`,
    );
  }
  return ring;
}

export interface PageSumupCredentials {
  merchantCode: Secret;
  apiKey: Secret;
}

/**
 * Sets a page's merchant and API key, the key sealed: the merchant the page's new checkouts
 * pay from now on. The same merchant again replaces its key (a rotation); another merchant
 * becomes current, and the earlier ones stay for their orders. Refusing a change while an
 * earlier merchant still has money open is the caller's (`setPageSumup`).
 */
export async function storeSumupCredentials(
  db: Executor,
  ring: KeyRing | undefined,
  pageId: number,
  credentials: { merchantCode: string; apiKey: Secret },
): Promise<void> {
  const key = credentials.apiKey.reveal();
  const merchantCode = new Secret(credentials.merchantCode);
  const sealed = {
    apiKeySealed: seal(requireRing(ring), purpose(pageId), key),
    apiKeyLast4: key.slice(-4),
    apiKey: null,
    current: true,
  };
  await db.transaction(async (tx) => {
    // The other merchants first: one current row per page (a unique index).
    await tx
      .update(pageSumupCredentials)
      .set({ current: false })
      .where(
        and(
          eq(pageSumupCredentials.pageId, pageId),
          eq(pageSumupCredentials.current, true),
          ne(pageSumupCredentials.merchantCode, merchantCode),
        ),
      );
    // The merchant code is left out of the update: it is the key orders' rows point at.
    await tx
      .insert(pageSumupCredentials)
      .values({ pageId, merchantCode, ...sealed })
      .onConflictDoUpdate({
        target: [pageSumupCredentials.pageId, pageSumupCredentials.merchantCode],
        set: { ...sealed, updatedAt: new Date() },
      });
  });
}

/**
 * A page's merchant and API key, opened for one call to SumUp; undefined when it has none.
 * With `merchantCode`, that merchant's (an order's own, maybe no longer the page's current
 * one); without, the merchant the page pays now.
 */
export async function readSumupCredentials(
  db: Executor,
  ring: KeyRing | undefined,
  pageId: number,
  merchantCode?: Secret,
): Promise<PageSumupCredentials | undefined> {
  const [row] = await db
    .select({
      merchantCode: pageSumupCredentials.merchantCode,
      apiKeySealed: pageSumupCredentials.apiKeySealed,
    })
    .from(pageSumupCredentials)
    .where(
      and(
        eq(pageSumupCredentials.pageId, pageId),
        merchantCode
          ? eq(pageSumupCredentials.merchantCode, merchantCode)
          : eq(pageSumupCredentials.current, true),
      ),
    );
  if (!row) return undefined;
  if (!row.apiKeySealed) {
    throw new Error(`page ${pageId}'s SumUp key is not sealed yet: run the migrations`);
  }
  return {
    merchantCode: row.merchantCode,
    apiKey: unseal(requireRing(ring), purpose(pageId), row.apiKeySealed),
  };
}

/**
 * The merchant a page pays now; undefined when it has none. Read under a lock on the page's
 * row, in the same query: `key share` for an order being made (the lock its foreign key takes
 * anyway), `update` for a change of merchant (`setPageSumup`). Each waits for the other, so a
 * change either sees the order open and is refused, or commits before the order reads its
 * merchant, never in between.
 */
export async function currentSumupMerchant(
  db: Executor,
  pageId: number,
  lock: 'key share' | 'update',
): Promise<Secret | undefined> {
  const [row] = await db
    .select({ merchantCode: pageSumupCredentials.merchantCode })
    .from(pages)
    .leftJoin(
      pageSumupCredentials,
      and(eq(pageSumupCredentials.pageId, pages.id), eq(pageSumupCredentials.current, true)),
    )
    .where(eq(pages.id, pageId))
    .for(lock, { of: pages });
  return row?.merchantCode ?? undefined;
}

/** What may be shown of a page's credentials: the merchant, the key's last 4, when set. */
export async function describeSumupCredentials(db: Executor, pageId: number) {
  const [row] = await db
    .select({
      merchantCode: pageSumupCredentials.merchantCode,
      apiKeyLast4: pageSumupCredentials.apiKeyLast4,
      setAt: pageSumupCredentials.updatedAt,
    })
    .from(pageSumupCredentials)
    .where(and(eq(pageSumupCredentials.pageId, pageId), eq(pageSumupCredentials.current, true)));
  if (!row) return undefined;
  return {
    merchantCode: row.merchantCode.reveal(),
    apiKeyLast4: row.apiKeyLast4,
    setAt: row.setAt.toISOString(),
  };
}

/**
 * Seals the keys stored in clear before migration 0010, and empties their clear column.
 * Runs with the migrations; answers how many it sealed.
 */
export async function sealClearSumupKeys(db: Executor, ring: KeyRing | undefined): Promise<number> {
  const clear = await db
    .select({
      pageId: pageSumupCredentials.pageId,
      merchantCode: pageSumupCredentials.merchantCode,
      apiKey: pageSumupCredentials.apiKey,
    })
    .from(pageSumupCredentials)
    .where(isNotNull(pageSumupCredentials.apiKey));
  if (clear.length === 0) return 0;
  if (!ring) {
    throw new Error(
      `${clear.length} pages' SumUp API keys are stored in clear: set ${CREDENTIALS_KEYS_VARIABLE} and migrate again to encrypt them`,
    );
  }
  for (const row of clear) {
    const key = row.apiKey!.reveal();
    await db
      .update(pageSumupCredentials)
      .set({
        apiKeySealed: seal(ring, purpose(row.pageId), key),
        apiKeyLast4: key.slice(-4),
        apiKey: null,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(pageSumupCredentials.pageId, row.pageId),
          eq(pageSumupCredentials.merchantCode, row.merchantCode),
        ),
      );
  }
  return clear.length;
}
