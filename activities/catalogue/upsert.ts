// What every catalogue PUT answers (`PUT /v1/admin/…/{ref}`): created (201), replaced or
// found unchanged (200), or refused with the field at fault. Each runs in one transaction:
// nothing is half-written.

export interface Refused {
  kind: 'refused';
  status: 400 | 404 | 409;
  code: string;
  message: string;
  /** The input at fault, as `body.currency` or `path.pageRef`. */
  field?: string;
  extra?: Record<string, unknown>;
}

export type Upserted<View> = { kind: 'created' | 'replaced' | 'unchanged'; view: View } | Refused;

export const refused = (
  status: Refused['status'],
  code: string,
  message: string,
  field?: string,
  extra?: Record<string, unknown>,
): Refused => ({
  kind: 'refused',
  status,
  code,
  message,
  ...(field ? { field } : {}),
  ...(extra ? { extra } : {}),
});

/** True when every field of `wanted` is already so in `stored`: a repeat changes nothing. */
export function sameAs(stored: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => stored[key] === value);
}

/** A price in another currency than its page takes: refused, naming the field. */
export function currencyRefusal(pageCurrency: string, currency: string): Refused | undefined {
  if (currency === pageCurrency) return undefined;
  return refused(
    400,
    'currency_not_taken',
    `The page takes ${pageCurrency || 'no currency yet'}.`,
    'body.currency',
  );
}
