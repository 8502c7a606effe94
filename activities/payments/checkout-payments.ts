import type { KeyRing } from '../../config/key-ring.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, pagePaymentSettings } from '../../db/schema/index.ts';
import { resolveSumupCredentials } from './credentials.ts';
import { issueRefund } from './issue-refund.ts';
import type { Secret } from '../../db/secret.ts';
import {
  SumupGateways,
  type CheckoutSnapshot,
  type SumupCheckoutStatus,
  type SumupCredentials,
} from './sumup-gateway.ts';
import { SumupFailure } from './sumup-errors.ts';
import { paymentMismatches, type PaymentField } from './verify-payment.ts';
import type { PaidOutcome } from '../../workflows/checkout-types.ts';

export interface PaymentSettings {
  /** SumUp's API base URL (https://api.sumup.com, or the emulator). */
  sumupHost: string;
  sumupTimeoutMs: number;
  /** The merchant paid by global checkouts. */
  defaultMerchant?: SumupCredentials;
  /** Where SumUp and shoppers reach our API: the webhook and the return page hang off it. */
  publicBaseUrl: string;
  /** Whether refunds for global checkouts go out automatically (pages say for themselves). */
  autoRefundGlobal?: boolean;
  /** CREDENTIALS_KEYS: pages' SumUp keys are sealed with them. */
  credentialsKeys?: KeyRing | undefined;
}

/**
 * What the workflow learns of the SumUp side: status and, once paid, the transaction, the
 * amount SumUp took, and which fields of it do not match the order (empty when it is the
 * order's payment).
 */
export interface PaymentState {
  status: SumupCheckoutStatus;
  transactionId?: string;
  paid?: { amountMinor: number; currency: string; mismatches: PaymentField[] };
  /** The order's confirmation, when the step that read SumUp also confirmed it. */
  confirmed?: PaidOutcome;
}

const DEFAULT_REFERENCE_PREFIX = 'rose';

export interface CreateCheckoutInput {
  orderId: number;
  expiresAt: string;
  description: string;
  /** When to stop retrying SumUp (ISO 8601); absent, the workflow's retry policy retries. */
  giveUpAt?: string;
}

export function createPaymentActivities(db: Database, settings: PaymentSettings) {
  const gateways = new SumupGateways(settings.sumupHost);
  // Every SumUp step reads its order first: built once and prepared, not built by drizzle at
  // each call (about 2.5 times the client's CPU per query; bench P7, README Performance).
  const orderById = db
    .select()
    .from(orders)
    .where(eq(orders.id, sql.placeholder('orderId')))
    .prepare('payments_order_by_id');
  async function gatewayFor(orderId: number, timeoutMs = settings.sumupTimeoutMs) {
    const [order] = await orderById.execute({ orderId });
    if (!order) throw new Error(`order ${orderId} does not exist`);
    // The order's own merchant's credentials, whichever merchant its page (or the default)
    // pays now: its checkout lives at that merchant.
    const credentials = await resolveSumupCredentials(
      db,
      order.pageId,
      settings,
      order.sumupMerchantCode,
    );
    const gateway = gateways.for(credentials, timeoutMs);
    return { order, gateway, merchantCode: credentials.merchantCode };
  }

  /**
   * SumUp's checkout as the workflow may see it: a paid one checked against the order, its
   * merchant against the one the order was made for (else the one whose key read it).
   */
  const state = (
    s: CheckoutSnapshot,
    order: typeof orders.$inferSelect,
    merchantCode: Secret,
  ): PaymentState => ({
    status: s.status,
    ...(s.transactionId ? { transactionId: s.transactionId } : {}),
    ...(s.status === 'PAID'
      ? {
          paid: {
            amountMinor: s.amountMinor,
            currency: s.currency,
            mismatches: paymentMismatches(
              {
                amountMinor: order.totalMinor,
                currency: order.currency,
                merchantCode: (order.sumupMerchantCode ?? merchantCode).reveal(),
                reference: order.checkoutReference,
              },
              s,
            ),
          },
        }
      : {}),
  });

  async function createOnce(input: CreateCheckoutInput, timeoutMs?: number) {
    const { order, gateway, merchantCode } = await gatewayFor(input.orderId, timeoutMs);
    if (order.sumupCheckoutId && order.hostedCheckoutUrl) {
      return { checkoutId: order.sumupCheckoutId, hostedCheckoutUrl: order.hostedCheckoutUrl };
    }
    const [settingsRow] = order.pageId
      ? await db
          .select()
          .from(pagePaymentSettings)
          .where(eq(pagePaymentSettings.pageId, order.pageId))
      : [];
    const prefix = settingsRow?.checkoutReferencePrefix ?? DEFAULT_REFERENCE_PREFIX;
    const reference = `${prefix}-${order.id}-${order.publicToken.slice(0, 12)}`;
    const checkout = await gateway.createHostedCheckout({
      reference,
      amountMinor: order.totalMinor,
      currency: order.currency,
      description: input.description,
      webhookUrl: `${settings.publicBaseUrl}/webhooks/sumup`,
      returnPageUrl: `${settings.publicBaseUrl}/checkout/return/${order.publicToken}`,
      validUntil: new Date(input.expiresAt),
    });
    if (!checkout.hostedCheckoutUrl)
      throw new Error(`SumUp checkout ${checkout.id} has no hosted URL`);
    await db
      .update(orders)
      .set({
        checkoutReference: reference,
        sumupCheckoutId: checkout.id,
        hostedCheckoutUrl: checkout.hostedCheckoutUrl,
        // An order made without a merchant (its page had none yet) is bound to the one its
        // checkout was just made at; for the others this is the merchant they already name.
        sumupMerchantCode: merchantCode,
      })
      .where(eq(orders.id, order.id));
    return { checkoutId: checkout.id, hostedCheckoutUrl: checkout.hostedCheckoutUrl };
  }

  return {
    issueRefund: (input: { refundId: number }) =>
      issueRefund(db, settings, input.refundId, gateways),

    /**
     * The order's SumUp hosted checkout, created once: its reference names the order, and
     * the order remembers the checkout, so a retry finds it instead of making another.
     * With `giveUpAt`, SumUp being down is retried here, with backoff, only until then
     * (each request's timeout cut to fit): past it, a `SumupCreationDeadline` failure.
     */
    async createSumupCheckout(input: CreateCheckoutInput) {
      if (!input.giveUpAt) return createOnce(input);
      const giveUpAt = Date.parse(input.giveUpAt);
      for (let attempt = 1; ; attempt++) {
        const left = Math.max(1, giveUpAt - Date.now());
        try {
          return await createOnce(input, Math.min(settings.sumupTimeoutMs, left));
        } catch (error) {
          if (!(error instanceof ApplicationFailure) || error.nonRetryable) throw error;
          const wait = Math.min(1000 * 2 ** (attempt - 1), 5_000);
          if (Date.now() + wait >= giveUpAt) {
            throw ApplicationFailure.nonRetryable(
              `SumUp did not create the checkout by ${input.giveUpAt}: ${error.message}`,
              SumupFailure.creationDeadline,
            );
          }
          await sleep(wait);
        }
      }
    },

    /** Reads the checkout from SumUp: a webhook's word is never taken for it. */
    async readSumupCheckout(input: { orderId: number }): Promise<PaymentState> {
      const { order, gateway, merchantCode } = await gatewayFor(input.orderId);
      return state(await gateway.getCheckout(order.sumupCheckoutId!), order, merchantCode);
    },

    /** Closes the checkout for payment and answers its final state (PAID if it beat us). */
    async deactivateSumupCheckout(input: { orderId: number }): Promise<PaymentState> {
      const { order, gateway, merchantCode } = await gatewayFor(input.orderId);
      if (!order.sumupCheckoutId) return { status: 'EXPIRED' };
      return state(await gateway.deactivateCheckout(order.sumupCheckoutId), order, merchantCode);
    },
  };
}
