// The workflows the worker registers.
export { checkout } from './checkout.ts';
export { reconcileLatePayment } from './reconcile-late-payment.ts';
export { sweepPayments } from './sweep-payments.ts';
export { orderActions } from './order-actions.ts';
