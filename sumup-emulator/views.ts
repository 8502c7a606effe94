import type { CheckoutSuccess } from '@sumup/sdk';
import { toMajorUnits } from '../activities/payments/minor-units.ts';
import type { Checkout, Transaction } from './store.ts';

/** The hosted page's address for a checkout, in SumUp's live form `…/pay/c-<id>`. */
export const hostedCheckoutPath = (checkout: Checkout) => `/pay/c-${checkout.id}`;

function transactionView(transaction: Transaction, merchantCode: string) {
  return {
    id: transaction.id,
    transaction_code: transaction.code,
    amount: toMajorUnits(transaction.amountMinor, transaction.currency),
    currency: transaction.currency as NonNullable<CheckoutSuccess['currency']>,
    status: transaction.status,
    timestamp: transaction.timestamp.toISOString(),
    payment_type: 'ECOM' as const,
    installments_count: 1,
    merchant_code: merchantCode,
  };
}

/**
 * A transaction as `GET /v2.1/merchants/{merchant_code}/transactions?id=` returns it
 * (TransactionFull): with its refunds as events, both the compact `events` and the detailed
 * `transaction_events`.
 */
export function transactionFullView(transaction: Transaction, merchantCode: string) {
  const amount = (minor: number) => toMajorUnits(minor, transaction.currency);
  return {
    ...transactionView(transaction, merchantCode),
    events: transaction.refunds.map((refund) => ({
      id: refund.id,
      transaction_id: transaction.id,
      type: 'REFUND' as const,
      status: 'REFUNDED' as const,
      amount: amount(refund.amountMinor),
      timestamp: refund.timestamp.toISOString(),
    })),
    transaction_events: transaction.refunds.map((refund) => ({
      id: refund.id,
      event_type: 'REFUND' as const,
      status: 'REFUNDED' as const,
      amount: amount(refund.amountMinor),
      date: refund.timestamp.toISOString().slice(0, 10),
      timestamp: refund.timestamp.toISOString(),
    })),
  };
}

/** A checkout as SumUp's API returns it (the Checkout Success shape of the spec). */
export function checkoutView(
  checkout: Checkout,
  publicUrl: string,
): CheckoutSuccess & Record<string, unknown> {
  const paid = checkout.transactions.find(
    (t) => t.status === 'SUCCESSFUL' || t.status === 'REFUNDED',
  );
  return {
    id: checkout.id,
    checkout_reference: checkout.reference,
    amount: toMajorUnits(checkout.amountMinor, checkout.currency),
    currency: checkout.currency as NonNullable<CheckoutSuccess['currency']>,
    merchant_code: checkout.merchantCode,
    merchant_name: checkout.account.merchantName,
    status: checkout.status,
    date: checkout.createdAt.toISOString(),
    valid_until: checkout.validUntil?.toISOString() ?? null,
    ...(checkout.description !== undefined ? { description: checkout.description } : {}),
    ...(checkout.returnUrl !== undefined ? { return_url: checkout.returnUrl } : {}),
    ...(checkout.redirectUrl !== undefined ? { redirect_url: checkout.redirectUrl } : {}),
    ...(checkout.customerId !== undefined ? { customer_id: checkout.customerId } : {}),
    ...(checkout.hosted
      ? {
          hosted_checkout: { enabled: true },
          hosted_checkout_url: `${publicUrl}${hostedCheckoutPath(checkout)}`,
        }
      : {}),
    transactions: checkout.transactions.map((t) => transactionView(t, checkout.merchantCode)),
    ...(paid ? { transaction_id: paid.id, transaction_code: paid.code } : {}),
  };
}
