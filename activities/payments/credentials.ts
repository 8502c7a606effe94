import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { pageSumupCredentials } from '../../db/schema/index.ts';
import type { SumupCredentials } from './sumup-gateway.ts';

/**
 * The merchant a checkout pays: the page's own SumUp account for a page checkout, the
 * default merchant (from the worker's environment) for a global one. Resolved inside the
 * activity, so credentials never travel through workflow inputs, results or history.
 */
export async function resolveSumupCredentials(
  db: Database,
  pageId: number | null,
  defaultMerchant: SumupCredentials | undefined,
): Promise<SumupCredentials> {
  if (pageId === null) {
    if (defaultMerchant) return defaultMerchant;
    throw ApplicationFailure.nonRetryable(
      'no default SumUp merchant is configured for global checkouts',
      'SumupCredentialsMissing',
    );
  }
  const [row] = await db
    .select({
      merchantCode: pageSumupCredentials.merchantCode,
      apiKey: pageSumupCredentials.apiKey,
    })
    .from(pageSumupCredentials)
    .where(eq(pageSumupCredentials.pageId, pageId));
  if (!row) {
    throw ApplicationFailure.nonRetryable(
      `page ${pageId} has no SumUp credentials`,
      'SumupCredentialsMissing',
    );
  }
  return row;
}
