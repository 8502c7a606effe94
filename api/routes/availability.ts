import type express from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { entryAvailability } from '../../db/queries/availability.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { pathId } from '../ids.ts';
import { ApiProblem, problemResponses } from '../problem.ts';

const seats = {
  capacity: z.number().int().nullable().describe('Null: no limit.'),
  sold: z.number().int().describe('Held by orders: reserved, confirmed or checked in.'),
  left: z.number().int().nullable().describe('Null: no limit.'),
};
const availability = z.object({
  entryId: z.number().int(),
  name: z.string(),
  startsAt: z.string(),
  ticketTypes: z.array(
    z.object({
      ticketTypeId: z.number().int(),
      name: z.string(),
      priceMinor: z.number().int(),
      currency: z.string(),
      ...seats,
    }),
  ),
  untyped: z
    .object({ priceMinor: z.number().int().nullable(), currency: z.string(), ...seats })
    .describe('Tickets without a type, counted on the entry.'),
});

/** Seats left, for anyone: the storefront's event pages ask, without a shopper. */
export function availabilityEndpoints(db: Database, limit: express.RequestHandler[]): Endpoint[] {
  return [
    endpoint(
      {
        method: 'get',
        path: '/v1/availability/entries/:entryId',
        summary: "An event's seats: capacity, sold and left, per ticket type",
        tag: 'availability',
        access: 'public',
        params: z.object({ entryId: pathId }),
        responses: {
          200: { description: 'Seats, cached for 5 seconds.', schema: availability },
          ...problemResponses(400, 404),
        },
      },
      async ({ params }, _req, res) => {
        const found = await entryAvailability(db, params.entryId);
        if (!found) {
          throw new ApiProblem(404, 'entry_not_found', 'No entry selling tickets has that id.');
        }
        res.set('cache-control', 'public, max-age=5').json(found);
      },
      limit,
    ),
  ];
}
