import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, pagePaymentSettings } from '../../db/schema/index.ts';
import { resolveSumupCredentials } from './credentials.ts';
import { issueRefund } from './issue-refund.ts';
import { SumupGateway, type SumupCredentials, type SumupCheckoutStatus } from './sumup-gateway.ts';

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
}

/** What the workflow learns of the SumUp side: status and, once paid, the transaction. */
export interface PaymentState {
  status: SumupCheckoutStatus;
  transactionId?: string;
}

const DEFAULT_REFERENCE_PREFIX = 'rose';

export function createPaymentActivities(db: Database, settings: PaymentSettings) {
  async function gatewayFor(orderId: number) {
    const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
    if (!order) throw new Error(`order ${orderId} does not exist`);
    const credentials = await resolveSumupCredentials(db, order.pageId, settings.defaultMerchant);
    const gateway = new SumupGateway(credentials, {
      host: settings.sumupHost,
      timeoutMs: settings.sumupTimeoutMs,
    });
    return { order, gateway };
  }

  const state = (s: { status: SumupCheckoutStatus; transactionId?: string }): PaymentState => ({
    status: s.status,
    ...(s.transactionId ? { transactionId: s.transactionId } : {}),
  });

  return {
    issueRefund: (input: { refundId: number }) => issueRefund(db, settings, input.refundId),

    /**
     * The order's SumUp hosted checkout, created once: its reference names the order, and
     * the order remembers the checkout, so a retry finds it instead of making another.
     */
    async createSumupCheckout(input: { orderId: number; expiresAt: string; description: string }) {
      const { order, gateway } = await gatewayFor(input.orderId);
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
        })
        .where(eq(orders.id, order.id));
      return { checkoutId: checkout.id, hostedCheckoutUrl: checkout.hostedCheckoutUrl };
    },

    /** Reads the checkout from SumUp: a webhook's word is never taken for it. */
    async readSumupCheckout(input: { orderId: number }): Promise<PaymentState> {
      const { order, gateway } = await gatewayFor(input.orderId);
      return state(await gateway.getCheckout(order.sumupCheckoutId!));
    },

    /** Closes the checkout for payment and answers its final state (PAID if it beat us). */
    async deactivateSumupCheckout(input: { orderId: number }): Promise<PaymentState> {
      const { order, gateway } = await gatewayFor(input.orderId);
      if (!order.sumupCheckoutId) return { status: 'EXPIRED' };
      return state(await gateway.deactivateCheckout(order.sumupCheckoutId));
    },
  };
}
