import { signShopperToken } from '../api/shopper-token.ts';
import type { Stack } from '../scripts/stack/launch.ts';
import type { Shopper } from '../workflows/checkout-types.ts';

export interface StartedCheckout {
  status: number;
  orderId?: number;
  state?: string;
  hostedCheckoutUrl?: string;
  /** The problem's code, when refused. */
  code?: string;
}

/** The API as the storefront calls it: service credential and a signed shopper token. */
export function storefront(stack: Stack) {
  const call = async (path: string, shopper: Shopper, init: RequestInit = {}) =>
    fetch(`${stack.urls.api}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${stack.secrets.serviceToken}`,
        'x-shopper-token': await signShopperToken(stack.secrets.shopperTokenSecret, shopper),
        'content-type': 'application/json',
      },
    });
  return {
    call,
    async startCheckout(shopper: Shopper, pageId: number): Promise<StartedCheckout> {
      const res = await call('/v1/checkouts', shopper, {
        method: 'POST',
        body: JSON.stringify({ pageId }),
      });
      const body = (await res.json()) as {
        orderId?: number;
        status?: string;
        hostedCheckoutUrl?: string;
        code?: string;
      };
      return {
        status: res.status,
        ...(body.orderId !== undefined ? { orderId: body.orderId } : {}),
        ...(body.status !== undefined ? { state: body.status } : {}),
        ...(body.hostedCheckoutUrl ? { hostedCheckoutUrl: body.hostedCheckoutUrl } : {}),
        ...(body.code ? { code: body.code } : {}),
      };
    },
    /** The shopper pays on SumUp's hosted page (the emulator's control API does the click). */
    async pay(hostedCheckoutUrl: string): Promise<void> {
      const id = hostedCheckoutUrl.split('/pay/c-')[1]!;
      const res = await fetch(`${stack.urls.emulator}/_emulator/checkouts/${id}/pay`, {
        method: 'POST',
      });
      if (!res.ok) throw new Error(`paying ${id}: ${res.status} ${await res.text()}`);
    },
  };
}
