import { z } from 'zod';
import type {
  CardType,
  CheckoutCreateRequest,
  CheckoutUpdateRequest,
  ProcessCheckout,
  RefundTransactionParams,
} from '@sumup/sdk';

// Requests as the spec defines them, typed against the official SDK's types so that the
// emulator accepts what the SDK sends and nothing the SDK could not.

export const currencies = [
  'BGN',
  'BRL',
  'CHF',
  'CLP',
  'COP',
  'CZK',
  'DKK',
  'EUR',
  'GBP',
  'HRK',
  'HUF',
  'NOK',
  'PLN',
  'RON',
  'SEK',
  'USD',
] as const;

const currency = z.enum(currencies);
const dateTime = z.iso.datetime({ offset: true });

const cardTypes = [
  'ALELO',
  'AMEX',
  'CONECS',
  'CUP',
  'DINERS',
  'DISCOVER',
  'EFTPOS',
  'ELO',
  'ELV',
  'GIROCARD',
  'HIPERCARD',
  'INTERAC',
  'JCB',
  'MAESTRO',
  'MASTERCARD',
  'PLUXEE',
  'SWILE',
  'TICKET',
  'VISA',
  'VISA_ELECTRON',
  'VISA_VPAY',
  'VPAY',
  'VR',
  'UNKNOWN',
] as const satisfies readonly CardType[];

export const checkoutCreateRequest = z.object({
  checkout_reference: z.string().min(1).max(90),
  amount: z.number().positive(),
  currency,
  merchant_code: z.string().min(1),
  description: z.string().optional(),
  return_url: z.url().optional(),
  customer_id: z.string().optional(),
  purpose: z.enum(['CHECKOUT', 'SETUP_RECURRING_PAYMENT']).optional(),
  valid_until: dateTime.nullable().optional(),
  redirect_url: z.url().optional(),
  hosted_checkout: z.object({ enabled: z.boolean() }).optional(),
}) satisfies z.ZodType<CheckoutCreateRequest>;

export const checkoutUpdateRequest = z.object({
  amount: z.number().positive().optional(),
  currency: currency.optional(),
  description: z.string().optional(),
  checkout_reference: z.string().min(1).max(90).optional(),
  valid_until: dateTime.nullable().optional(),
  return_url: z.url().optional(),
  redirect_url: z.url().optional(),
}) satisfies z.ZodType<Partial<CheckoutUpdateRequest>>;

export const processCheckoutRequest = z.object({
  payment_type: z.enum([
    'card',
    'boleto',
    'ideal',
    'blik',
    'bancontact',
    'google_pay',
    'apple_pay',
  ]),
  installments: z.number().int().min(1).optional(),
  card: z
    .object({
      name: z.string().min(1),
      number: z.string().regex(/^\d{12,19}$/),
      expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/),
      expiry_year: z.string().regex(/^\d{2}(\d{2})?$/),
      cvv: z.string().regex(/^\d{3,4}$/),
      zip_code: z.string().optional(),
      type: z.enum(cardTypes),
    })
    .optional(),
  token: z.string().optional(),
  customer_id: z.string().optional(),
}) satisfies z.ZodType<Partial<ProcessCheckout>>;

export const refundRequest = z
  .object({ amount: z.number().optional() })
  .strict() satisfies z.ZodType<RefundTransactionParams>;

export const listCheckoutsQuery = z.object({ checkout_reference: z.string().optional() });
