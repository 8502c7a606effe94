// The demo shop, seeded through the admin catalogue API as another service would sync it:
// every PUT is idempotent, so each start sends the same catalogue and finds it made.

export const DEMO_PAGE_REF = 'rose-ash';

export interface DemoShop {
  pageId: number;
  products: { id: number; title: string }[];
  slotId: number;
  entryId: number;
  ticketTypeId: number;
  seats: number;
}

const SEATS = 5;

/**
 * A venue to try the checkout on: a page paid through the emulator's merchant, a market,
 * a bookable room and a gig with few seats, so that selling out can be seen. `created` is
 * false when a start found it made already (data kept from the last start).
 */
export async function seedDemoShop(
  api: { url: string; adminToken: string },
  merchant: { merchantCode: string; apiKey: string },
): Promise<{ shop: DemoShop; created: boolean }> {
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${api.url}/v1/admin${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(
        `seeding the demo shop: PUT ${path} answered ${res.status} ${JSON.stringify(answer)}`,
      );
    }
    return { status: res.status, answer };
  };
  const page = await put(`/pages/${DEMO_PAGE_REF}`, {
    title: 'Rose Ash Hall',
    slug: 'rose-ash',
    currency: 'GBP',
    checkoutReferencePrefix: 'hall',
    autoRefund: true,
  });
  await put(`/pages/${DEMO_PAGE_REF}/sumup`, merchant);
  const products = [];
  for (const [ref, title, priceMinor] of [
    ['rose-ash-mug', 'Rose Ash mug', 850],
    ['rose-ash-tea-towel', 'Tea towel', 600],
    ['rose-ash-zine-3', 'Hall zine, issue 3', 350],
  ] as const) {
    const { answer } = await put(`/products/${ref}`, {
      pageRef: DEMO_PAGE_REF,
      title,
      priceMinor,
      currency: 'GBP',
    });
    products.push({ id: answer.productId as number, title });
  }
  await put('/calendars/rose-ash-whats-on', {
    pageRef: DEMO_PAGE_REF,
    title: "What's on",
    timeZone: 'Europe/London',
  });
  const slot = await put('/calendars/rose-ash-whats-on/slots/rehearsal-room', {
    name: 'Rehearsal room',
    times: [{ start: '09:00', end: '22:00' }],
    priceMinor: 2500,
    currency: 'GBP',
    lengthMinutes: 60,
  });
  // Always a fortnight ahead, at 20:00 UTC: the gig never slips into the past.
  const gigDay = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  const gig = await put('/entries/rose-ash-folk-night', {
    calendarRef: 'rose-ash-whats-on',
    name: 'Friday folk night',
    startsAt: `${gigDay}T20:00:00Z`,
    currency: 'GBP',
  });
  const standing = await put('/entries/rose-ash-folk-night/ticket-types/standing', {
    name: 'Standing',
    priceMinor: 1200,
    currency: 'GBP',
    capacity: SEATS,
  });
  return {
    created: page.status === 201,
    shop: {
      pageId: page.answer.pageId as number,
      products,
      slotId: slot.answer.slotId as number,
      entryId: gig.answer.entryId as number,
      ticketTypeId: standing.answer.ticketTypeId as number,
      seats: SEATS,
    },
  };
}
