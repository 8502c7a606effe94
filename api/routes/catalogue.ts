import type { Response } from 'express';
import { z } from 'zod';
import type { KeyRing } from '../../config/key-ring.ts';
import type { Database } from '../../db/client.ts';
import { describeSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import { unansweredBookingPolicies, weekdays } from '../../db/schema/index.ts';
import {
  putCalendar,
  putSlot,
  readCalendar,
  readSlot,
  retireCalendar,
  retireSlot,
} from '../../activities/catalogue/calendars.ts';
import {
  putEvent,
  putTicketType,
  readEvent,
  readTicketType,
  retireEvent,
  retireTicketType,
} from '../../activities/catalogue/events.ts';
import { Secret } from '../../db/secret.ts';
import {
  livePage,
  putPage,
  readPage,
  retirePage,
  setPageSumup,
} from '../../activities/catalogue/pages.ts';
import { putProduct, readProduct, retireProduct } from '../../activities/catalogue/products.ts';
import type { Refused, Upserted } from '../../activities/catalogue/upsert.ts';
import { SumupGateway } from '../../activities/payments/sumup-gateway.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { ApiProblem, problemResponses } from '../problem.ts';

// The catalogue and pages, written by the services that own them (seed 003: no
// cross-service joins): idempotent PUTs by the caller's own ref, soft DELETEs, and a page's
// SumUp credentials, write-only. All of it audited, as every admin call is.

export interface CatalogueSettings {
  /** CREDENTIALS_KEYS: the pages' SumUp keys are sealed with it. */
  credentialsKeys: KeyRing | undefined;
  /** Where a page's new SumUp key is checked before it is stored. */
  sumup: { host: string; timeoutMs: number };
}

const admin = { access: 'admin', tag: 'catalogue' } as const;

const ref = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{1,100}$/, 'a ref: 1 to 100 of A-Z a-z 0-9 . _ ~ -')
  .describe("The caller's own id for it: PUT again with it to replace.");
const title = z.string().trim().min(1).max(200);
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code, as GBP')
  .describe('ISO 4217.');
const priceMinor = z
  .number()
  .int('a whole number of minor units (pence, cents)')
  .min(0)
  .max(100_000_000)
  .describe('In minor units.');

const pageBody = z
  .object({
    title,
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -'),
    currency,
    checkoutReferencePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, '1 to 20 of A-Z a-z 0-9 _ -')
      .describe("Starts each SumUp checkout's reference, so the merchant can tell its source."),
    autoRefund: z
      .boolean()
      .default(false)
      .describe('Refunds the engine owes go out through SumUp on their own.'),
    unansweredBookings: z
      .enum(unansweredBookingPolicies)
      .default('accept')
      .describe('What becomes of a paid booking the organiser leaves unanswered.'),
  })
  .strict();
const sumupView = z.object({
  merchantCode: z.string(),
  apiKeyLast4: z.string().nullable().describe('All that is ever shown of the key.'),
  setAt: z.string(),
});
const pageView = pageBody.extend({
  ref: z.string(),
  pageId: z.number().int().describe('What the storefront names it by in checkouts.'),
  retiredAt: z.string().nullable(),
  sumup: sumupView.nullable(),
});
const productBody = z
  .object({
    pageRef: ref.describe("The page's ref."),
    title,
    priceMinor,
    currency,
    active: z.boolean().default(true).describe('Off: not sold for now.'),
  })
  .strict();
const productView = productBody.extend({
  ref: z.string(),
  productId: z.number().int().describe('What the storefront puts in carts.'),
  retiredAt: z.string().nullable(),
});
const calendarBody = z
  .object({
    pageRef: ref.describe("The page's ref."),
    title,
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .default('UTC')
      .describe("IANA time zone of its slots' days and times, as Europe/London."),
  })
  .strict();
const calendarView = calendarBody.extend({
  ref: z.string(),
  calendarId: z.number().int(),
  retiredAt: z.string().nullable(),
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM, 00:00 to 24:00');
const slotBody = z
  .object({
    name: title,
    days: z
      .array(z.enum(weekdays))
      .min(1)
      .max(7)
      .default([...weekdays])
      .describe('The days it may be booked on.'),
    times: z
      .array(z.object({ start: hhmm, end: hhmm }).strict())
      .min(1)
      .max(24)
      .default([{ start: '00:00', end: '24:00' }])
      .describe('When in those days a booking may start and must end; never overlapping.'),
    priceMinor,
    currency,
    lengthMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .describe('How long one booking is.'),
    active: z.boolean().default(true),
  })
  .strict();
const slotView = slotBody.extend({
  ref: z.string(),
  calendarRef: z.string(),
  slotId: z.number().int().describe('What the storefront books.'),
  retiredAt: z.string().nullable(),
});
const eventBody = z
  .object({
    calendarRef: ref.describe("The calendar's ref."),
    name: title,
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }).nullable().default(null),
    currency,
    ticketPriceMinor: priceMinor
      .nullable()
      .default(null)
      .describe('Price of a ticket without a type; null: only typed tickets are sold.'),
    ticketCapacity: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .nullable()
      .default(null)
      .describe('Seats for tickets without a type; null: no limit. Never below what is sold.'),
  })
  .strict();
const eventView = eventBody.extend({
  ref: z.string(),
  entryId: z.number().int().describe('What the storefront sells tickets of.'),
  sold: z.number().int().describe('Seats sold of tickets without a type.'),
  retiredAt: z.string().nullable(),
});
const ticketTypeBody = z
  .object({
    name: title,
    priceMinor,
    currency,
    capacity: z.number().int().min(0).max(1_000_000).describe('Never below what is sold.'),
  })
  .strict();
const ticketTypeView = ticketTypeBody.extend({
  ref: z.string(),
  entryRef: z.string(),
  ticketTypeId: z.number().int(),
  sold: z.number().int(),
  retiredAt: z.string().nullable(),
});
const sumupBody = z
  .object({
    merchantCode: z.string().regex(/^[A-Z0-9]{2,32}$/, "SumUp's merchant code, as MK10CL2A"),
    apiKey: z
      .string()
      .min(8)
      .max(200)
      .describe('Checked against SumUp, then stored encrypted; never shown again.'),
  })
  .strict();

const refusal = (r: Refused) =>
  new ApiProblem(
    r.status,
    r.code,
    r.message,
    r.field ? [{ field: r.field, message: r.message }] : [],
    r.extra,
  );

/** 201 created, 200 replaced or unchanged, or the refusal as a problem. */
function answer<View>(res: Response, done: Upserted<View>) {
  if (done.kind === 'refused') throw refusal(done);
  res.status(done.kind === 'created' ? 201 : 200).json(done.view);
}

function found<View>(view: View | undefined, what: string): View {
  if (!view) throw new ApiProblem(404, `${what}_not_found`, `No ${what} has that ref.`);
  return view;
}

const putResponses = (schema: z.ZodType) => ({
  200: { description: 'Replaced, or already so (a repeat changes nothing).', schema },
  201: { description: 'Created.', schema },
  ...problemResponses(400, 404, 409),
});
const readResponses = (schema: z.ZodType) => ({
  200: { description: 'As stored.', schema },
  ...problemResponses(400, 404),
});

type Refs = Record<string, string>;

/**
 * A resource another service syncs by its own ref: PUT (create or replace), GET, and DELETE
 * (retire), at `path`, whose parameters are refs (its own last, its parent's before).
 */
function resource<Body extends z.ZodType, View>(spec: {
  path: string;
  what: string;
  /** For PUT, GET and DELETE. */
  summaries: [string, string, string];
  body: Body;
  view: z.ZodType;
  put: (refs: Refs, body: z.output<Body>) => Promise<Upserted<View>>;
  read: (refs: Refs) => Promise<View | undefined>;
  retire: (refs: Refs) => Promise<View | undefined>;
}): Endpoint[] {
  const names = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = z.object(Object.fromEntries(names.map((name) => [name, ref])));
  const [putSummary, getSummary, deleteSummary] = spec.summaries;
  return [
    endpoint(
      {
        ...admin,
        method: 'put',
        path: spec.path,
        summary: putSummary,
        params,
        body: spec.body,
        responses: putResponses(spec.view),
      },
      async ({ params: p, body }, _req, res) =>
        answer(res, await spec.put(p, body as z.output<Body>)),
    ),
    endpoint(
      {
        ...admin,
        method: 'get',
        path: spec.path,
        summary: getSummary,
        params,
        responses: readResponses(spec.view),
      },
      async ({ params: p }, _req, res) => {
        res.json(found(await spec.read(p), spec.what));
      },
    ),
    endpoint(
      {
        ...admin,
        method: 'delete',
        path: spec.path,
        summary: deleteSummary,
        params,
        responses: readResponses(spec.view),
      },
      async ({ params: p }, _req, res) => {
        res.json(found(await spec.retire(p), spec.what));
      },
    ),
  ];
}

export function catalogueEndpoints(db: Database, settings: CatalogueSettings): Endpoint[] {
  const pageParams = z.object({ pageRef: ref });
  return [
    ...resource({
      path: '/v1/admin/pages/:pageRef',
      what: 'page',
      summaries: [
        'Create or replace a page',
        'A page, with what may be shown of its SumUp credentials',
        'Retire a page: nothing of it is sold any more; orders keep theirs',
      ],
      body: pageBody,
      view: pageView,
      put: (refs, body) => putPage(db, refs.pageRef!, body),
      read: (refs) => readPage(db, refs.pageRef!),
      retire: (refs) => retirePage(db, refs.pageRef!),
    }),
    endpoint(
      {
        ...admin,
        method: 'put',
        path: '/v1/admin/pages/:pageRef/sumup',
        summary:
          "Set a page's SumUp merchant and API key, checked against SumUp first; another merchant only once the current one has no checkout open or refund owed (409 merchant_in_use)",
        params: pageParams,
        body: sumupBody,
        responses: {
          200: { description: 'Stored, the key encrypted.', schema: sumupView },
          ...problemResponses(400, 404, 409, 422, 503),
        },
      },
      async ({ params, body }, _req, res) => {
        const page = await livePage(db, params.pageRef, 'path.pageRef');
        if ('kind' in page) throw refusal(page);
        const credentials = {
          merchantCode: new Secret(body.merchantCode),
          apiKey: new Secret(body.apiKey),
        };
        const verdict = await new SumupGateway(credentials, settings.sumup)
          .checkMerchant()
          .catch(() => {
            throw new ApiProblem(503, 'sumup_unavailable', 'SumUp could not be asked; try again.');
          });
        if (verdict === 'key_refused') {
          throw new ApiProblem(422, 'sumup_key_refused', 'SumUp refused the API key.', [
            { field: 'body.apiKey', message: 'refused by SumUp' },
          ]);
        }
        if (verdict === 'not_this_merchant') {
          throw new ApiProblem(422, 'sumup_merchant_mismatch', "The key is not that merchant's.", [
            { field: 'body.merchantCode', message: 'not the merchant of this key' },
          ]);
        }
        const stored = await setPageSumup(db, settings.credentialsKeys, page.id, {
          merchantCode: body.merchantCode,
          apiKey: credentials.apiKey,
        });
        if (stored.kind === 'refused') throw refusal(stored);
        res.json(await describeSumupCredentials(db, page.id));
      },
    ),
    endpoint(
      {
        ...admin,
        method: 'get',
        path: '/v1/admin/pages/:pageRef/sumup',
        summary: "What may be shown of a page's SumUp credentials: never the key",
        params: pageParams,
        responses: readResponses(sumupView),
      },
      async ({ params }, _req, res) => {
        const page = found(await readPage(db, params.pageRef), 'page');
        if (!page.sumup)
          throw new ApiProblem(404, 'sumup_not_set', 'The page has no SumUp credentials.');
        res.json(page.sumup);
      },
    ),
    ...resource({
      path: '/v1/admin/products/:productRef',
      what: 'product',
      summaries: [
        'Create or replace a product',
        'A product',
        'Retire a product: lines in carts become unavailable; orders keep their snapshot',
      ],
      body: productBody,
      view: productView,
      put: (refs, body) => putProduct(db, refs.productRef!, body),
      read: (refs) => readProduct(db, refs.productRef!),
      retire: (refs) => retireProduct(db, refs.productRef!),
    }),
    ...resource({
      path: '/v1/admin/calendars/:calendarRef',
      what: 'calendar',
      summaries: [
        'Create or replace a calendar',
        'A calendar',
        'Retire a calendar: its slots are not booked, its events sell nothing; orders keep theirs',
      ],
      body: calendarBody,
      view: calendarView,
      put: (refs, body) => putCalendar(db, refs.calendarRef!, body),
      read: (refs) => readCalendar(db, refs.calendarRef!),
      retire: (refs) => retireCalendar(db, refs.calendarRef!),
    }),
    ...resource({
      path: '/v1/admin/calendars/:calendarRef/slots/:slotRef',
      what: 'slot',
      summaries: [
        'Create or replace a bookable slot: its days, times, price and length',
        'A bookable slot',
        'Retire a slot: not booked any more; its bookings in carts become unavailable',
      ],
      body: slotBody,
      view: slotView,
      put: (refs, body) => putSlot(db, refs.calendarRef!, refs.slotRef!, body),
      read: (refs) => readSlot(db, refs.calendarRef!, refs.slotRef!),
      retire: (refs) => retireSlot(db, refs.calendarRef!, refs.slotRef!),
    }),
    ...resource({
      path: '/v1/admin/entries/:entryRef',
      what: 'entry',
      summaries: [
        'Create or replace an event selling tickets',
        'An event, with the seats sold of its own tickets',
        'Retire an event: its tickets in carts become unavailable; tickets sold stay valid',
      ],
      body: eventBody,
      view: eventView,
      put: (refs, body) => putEvent(db, refs.entryRef!, body),
      read: (refs) => readEvent(db, refs.entryRef!),
      retire: (refs) => retireEvent(db, refs.entryRef!),
    }),
    ...resource({
      path: '/v1/admin/entries/:entryRef/ticket-types/:typeRef',
      what: 'ticket_type',
      summaries: [
        'Create or replace a ticket type: price and capacity (never below what is sold)',
        'A ticket type, with the seats sold',
        'Retire a ticket type: not sold any more; those in carts become unavailable',
      ],
      body: ticketTypeBody,
      view: ticketTypeView,
      put: (refs, body) => putTicketType(db, refs.entryRef!, refs.typeRef!, body),
      read: (refs) => readTicketType(db, refs.entryRef!, refs.typeRef!),
      retire: (refs) => retireTicketType(db, refs.entryRef!, refs.typeRef!),
    }),
  ];
}
