import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../../db/client.ts';
import { readSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import type { Secret } from '../../db/secret.ts';
import type { PaymentSettings } from './checkout-payments.ts';
import type { SumupCredentials } from './sumup-gateway.ts';

const missing = (message: string) =>
  ApplicationFailure.nonRetryable(message, 'SumupCredentialsMissing');

/**
 * The merchant a checkout pays: the page's own SumUp account for a page checkout, the
 * default merchant (from the worker's environment) for a global one. Resolved inside the
 * activity, at each call to SumUp, so credentials never travel through workflow inputs,
 * results or history, and a key changed while a checkout is open is the one it uses next.
 *
 * `merchantCode` is the merchant the order was made for (`orders.sumup_merchant_code`): its
 * own credentials are used, even once the page pays another merchant. Null or absent (an
 * order made before it was kept, or before its page had credentials): the merchant that pays
 * now. A global order made for a merchant that is no longer the configured default cannot be
 * read with the default's key (SumUp would answer 404, or refund nothing): it fails, for
 * good, as credentials missing, which the checkout meets as `needs_attention` (a refund as
 * `refund_due`) for ops to find.
 */
export async function resolveSumupCredentials(
  db: Database,
  pageId: number | null,
  settings: Pick<PaymentSettings, 'defaultMerchant' | 'credentialsKeys'>,
  merchantCode?: Secret | null,
): Promise<SumupCredentials> {
  if (pageId === null) {
    const fallback = settings.defaultMerchant;
    if (!fallback) throw missing('no default SumUp merchant is configured for global checkouts');
    if (merchantCode && merchantCode.reveal() !== fallback.merchantCode.reveal()) {
      // Merchant codes are kept out of messages, as the key is: they land in histories.
      throw missing(
        'the global order was made for a SumUp merchant other than the configured default (SUMUP_MERCHANT_CODE), whose credentials are not known',
      );
    }
    return fallback;
  }
  let credentials;
  try {
    credentials = await readSumupCredentials(
      db,
      settings.credentialsKeys,
      pageId,
      merchantCode ?? undefined,
    );
  } catch (error) {
    // No key ring, or the key that sealed it is gone from it: the message names no secret.
    throw missing(`page ${pageId}'s SumUp key cannot be read: ${(error as Error).message}`);
  }
  if (!credentials) {
    throw missing(
      merchantCode
        ? `page ${pageId} has no SumUp credentials for the merchant its order was made for`
        : `page ${pageId} has no SumUp credentials`,
    );
  }
  return credentials;
}
