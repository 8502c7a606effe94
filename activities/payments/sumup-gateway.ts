import { createHash } from 'node:crypto';
import SumUp, { APIError, type CheckoutSuccess, type TransactionFull } from '@sumup/sdk';
import { ApplicationFailure } from '@temporalio/common';
import type { Secret } from '../../db/secret.ts';
import { toMajorUnits, toMinorUnits } from './minor-units.ts';
import { classifySumupError, isRetryable, sumupErrorCode, SumupFailure } from './sumup-errors.ts';

export interface SumupCredentials {
  merchantCode: Secret;
  apiKey: Secret;
}

export interface SumupGatewayOptions {
  /** SumUp's API base URL: https://api.sumup.com, or an emulator. */
  host: string;
  /** Per request; a slower answer counts as lost and Temporal retries the activity. */
  timeoutMs: number;
}

export type SumupCheckoutStatus = 'PENDING' | 'PAID' | 'FAILED' | 'EXPIRED';

/** What the workflow may know of a SumUp checkout: plain data, no credentials. */
export interface CheckoutSnapshot {
  id: string;
  reference: string;
  status: SumupCheckoutStatus;
  amountMinor: number;
  currency: string;
  /** The merchant SumUp says it is for: compared with ours in the activity, never returned. */
  merchantCode?: string;
  hostedCheckoutUrl?: string;
  /** The successful transaction, once paid: what a refund names. */
  transactionId?: string;
  transactionCode?: string;
}

export interface HostedCheckoutRequest {
  /** Identifies the order; SumUp refuses a second checkout with the same reference. */
  reference: string;
  amountMinor: number;
  currency: string;
  description: string;
  /** Our webhook: SumUp POSTs status changes here. */
  webhookUrl: string;
  /** Where the hosted page's "back" link takes the shopper. */
  returnPageUrl: string;
  validUntil: Date;
}

/**
 * SumUp, as rose-checkout's activities use it, on the official SDK. The SDK's own retries
 * are off: Temporal's activity retry policy owns retrying, with backoff, and every call here
 * is safe to repeat.
 */
export class SumupGateway {
  private readonly sdk: SumUp;

  constructor(
    private readonly credentials: SumupCredentials,
    options: SumupGatewayOptions,
  ) {
    this.sdk = new SumUp({
      apiKey: credentials.apiKey.reveal(),
      host: options.host,
      timeout: options.timeoutMs,
      maxRetries: 0,
    });
  }

  /**
   * Creates the hosted checkout for an order, once. When the answer to a create is lost
   * (timeout, network, 5xx after SumUp committed it) or SumUp reports the reference taken,
   * the checkout that exists under the reference is the answer.
   */
  async createHostedCheckout(request: HostedCheckoutRequest): Promise<CheckoutSnapshot> {
    try {
      const created = await this.sdk.checkouts.create({
        checkout_reference: request.reference,
        amount: toMajorUnits(request.amountMinor, request.currency),
        currency: request.currency as never,
        merchant_code: this.credentials.merchantCode.reveal(),
        description: request.description,
        return_url: request.webhookUrl,
        redirect_url: request.returnPageUrl,
        valid_until: request.validUntil.toISOString(),
        hosted_checkout: { enabled: true },
      });
      return snapshot(created);
    } catch (error) {
      const duplicate =
        error instanceof APIError && sumupErrorCode(error) === 'DUPLICATED_CHECKOUT';
      if (!duplicate && !isRetryable(error)) throw classifySumupError('create checkout', error);
      const existing = await this.findCheckoutByReference(request.reference).catch(() => undefined);
      if (existing) return sameOrder(existing, request);
      throw classifySumupError('create checkout', error);
    }
  }

  /**
   * Whether SumUp takes the key for the merchant: answers SumUp's verdict rather than
   * throwing for a refusal (401, 403, 404); throws when SumUp cannot be asked.
   */
  async checkMerchant(): Promise<'accepted' | 'key_refused' | 'not_this_merchant'> {
    try {
      await this.sdk.merchants.get(this.credentials.merchantCode.reveal());
      return 'accepted';
    } catch (error) {
      if (error instanceof APIError && (error.status === 401 || error.status === 403)) {
        return 'key_refused';
      }
      if (error instanceof APIError && error.status === 404) return 'not_this_merchant';
      throw classifySumupError('get merchant', error);
    }
  }

  async getCheckout(id: string): Promise<CheckoutSnapshot> {
    try {
      return snapshot(await this.sdk.checkouts.get(id));
    } catch (error) {
      throw classifySumupError('get checkout', error);
    }
  }

  async findCheckoutByReference(reference: string): Promise<CheckoutSnapshot | undefined> {
    try {
      const [found] = await this.sdk.checkouts.list({ checkout_reference: reference });
      return found && snapshot(found);
    } catch (error) {
      throw classifySumupError('list checkouts', error);
    }
  }

  /**
   * Closes a checkout so it can no longer be paid, and answers its final state. A checkout
   * already paid cannot be deactivated: then the answer is the paid checkout.
   */
  async deactivateCheckout(id: string): Promise<CheckoutSnapshot> {
    try {
      return snapshot(await this.sdk.checkouts.deactivate(id));
    } catch (error) {
      if (error instanceof APIError && sumupErrorCode(error) === 'CHECKOUT_PROCESSED') {
        return this.getCheckout(id);
      }
      throw classifySumupError('deactivate checkout', error);
    }
  }

  /**
   * What SumUp has refunded of a transaction so far, in minor units: its REFUND events,
   * pending ones included (they are under way), failed ones not.
   */
  async refundedMinor(transactionId: string, currency: string): Promise<number> {
    let transaction: TransactionFull;
    try {
      transaction = await this.sdk.transactions.get(this.credentials.merchantCode.reveal(), {
        id: transactionId,
      });
    } catch (error) {
      throw classifySumupError('read transaction', error);
    }
    // The detailed list when SumUp gives it, else the compact one: the same events.
    const events = transaction.transaction_events?.length
      ? transaction.transaction_events.map((e) => ({ ...e, type: e.event_type }))
      : (transaction.events ?? []);
    return events
      .filter((e) => e.type === 'REFUND' && e.status !== 'FAILED')
      .reduce((sum, e) => {
        const minor = toMinorUnits(e.amount ?? NaN, currency);
        if (minor === undefined) {
          throw ApplicationFailure.retryable(
            `SumUp answered a refund event of transaction ${transactionId} without an amount`,
            SumupFailure.unavailable,
          );
        }
        return sum + minor;
      }, 0);
  }

  /** Refunds a paid transaction, in full or `amountMinor` of it. */
  async refund(transactionId: string, currency: string, amountMinor?: number): Promise<void> {
    try {
      await this.sdk.transactions.refund(
        this.credentials.merchantCode.reveal(),
        transactionId,
        amountMinor === undefined ? {} : { amount: toMajorUnits(amountMinor, currency) },
      );
    } catch (error) {
      throw classifySumupError('refund transaction', error);
    }
  }
}

function snapshot(checkout: CheckoutSuccess): CheckoutSnapshot {
  const currency = checkout.currency ?? '';
  const amountMinor = toMinorUnits(checkout.amount ?? NaN, currency);
  if (
    !checkout.id ||
    !checkout.status ||
    !checkout.checkout_reference ||
    amountMinor === undefined
  ) {
    throw ApplicationFailure.retryable(
      'SumUp answered a checkout without id, status, reference or amount',
      SumupFailure.unavailable,
    );
  }
  return {
    id: checkout.id,
    reference: checkout.checkout_reference,
    status: checkout.status,
    amountMinor,
    currency,
    ...(checkout.merchant_code ? { merchantCode: checkout.merchant_code } : {}),
    ...(checkout.hosted_checkout_url ? { hostedCheckoutUrl: checkout.hosted_checkout_url } : {}),
    ...(checkout.transaction_id ? { transactionId: checkout.transaction_id } : {}),
    ...(checkout.transaction_code ? { transactionCode: checkout.transaction_code } : {}),
  };
}

/** A checkout found under our reference must be for the same money, or something is badly off. */
function sameOrder(existing: CheckoutSnapshot, request: HostedCheckoutRequest): CheckoutSnapshot {
  if (existing.amountMinor !== request.amountMinor || existing.currency !== request.currency) {
    throw ApplicationFailure.nonRetryable(
      `SumUp already holds checkout ${existing.id} for reference ${request.reference} with a different amount`,
      SumupFailure.conflict,
      { errorCode: 'DUPLICATED_CHECKOUT' },
    );
  }
  return existing;
}

/**
 * One gateway (one SDK client) per merchant and timeout, reused from call to call instead of
 * built for each. A page whose key changed gets a new one at its next call: the key is
 * compared by its hash, and the old gateway is dropped.
 */
export class SumupGateways {
  private readonly byMerchant = new Map<string, { key: string; gateway: SumupGateway }>();

  constructor(private readonly host: string) {}

  for(credentials: SumupCredentials, timeoutMs: number): SumupGateway {
    const merchant = `${credentials.merchantCode.reveal()}\u0000${timeoutMs}`;
    const key = createHash('sha256').update(credentials.apiKey.reveal()).digest('base64url');
    const cached = this.byMerchant.get(merchant);
    if (cached?.key === key) return cached.gateway;
    const gateway = new SumupGateway(credentials, { host: this.host, timeoutMs });
    this.byMerchant.set(merchant, { key, gateway });
    return gateway;
  }
}
