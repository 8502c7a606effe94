import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../../db/client.ts';
import { readSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import type { PaymentSettings } from './checkout-payments.ts';
import type { SumupCredentials } from './sumup-gateway.ts';

const missing = (message: string) =>
  ApplicationFailure.nonRetryable(message, 'SumupCredentialsMissing');

/**
 * The merchant a checkout pays: the page's own SumUp account for a page checkout, the
 * default merchant (from the worker's environment) for a global one. Resolved inside the
 * activity, at each call to SumUp, so credentials never travel through workflow inputs,
 * results or history, and a key changed while a checkout is open is the one it uses next.
 */
export async function resolveSumupCredentials(
  db: Database,
  pageId: number | null,
  settings: Pick<PaymentSettings, 'defaultMerchant' | 'credentialsKeys'>,
): Promise<SumupCredentials> {
  if (pageId === null) {
    if (settings.defaultMerchant) return settings.defaultMerchant;
    throw missing('no default SumUp merchant is configured for global checkouts');
  }
  let credentials;
  try {
    credentials = await readSumupCredentials(db, settings.credentialsKeys, pageId);
  } catch (error) {
    // No key ring, or the key that sealed it is gone from it: the message names no secret.
    throw missing(`page ${pageId}'s SumUp key cannot be read: ${(error as Error).message}`);
  }
  if (!credentials) throw missing(`page ${pageId} has no SumUp credentials`);
  return credentials;
}
