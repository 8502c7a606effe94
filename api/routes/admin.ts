import { z } from 'zod';
import { checkInTicket } from '../../activities/calendar/check-in.ts';
import type { Database } from '../../db/client.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { bodyId } from '../ids.ts';
import { ApiProblem, problemResponses } from '../problem.ts';

const admin = { access: 'admin', tag: 'admin' } as const;

const ticketCode = z.object({
  code: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'a ticket code: 32 hexadecimal characters')
    .describe('The code on the ticket, as the door scans it.'),
});
const checkInBody = z
  .object({ entryId: bodyId.optional().describe('The entry at this door: another is refused.') })
  .strict();
const checkedIn = z.object({
  ticketId: z.number().int(),
  entryId: z.number().int(),
  ticketTypeId: z.number().int().nullable(),
  orderId: z.number().int().nullable(),
  checkedInAt: z.string(),
  alreadyCheckedIn: z.boolean().describe('True when it had been checked in before: at that time.'),
});

/** The admin API: what staff and back-office services do (`API_ADMIN_TOKENS`), audited. */
export function adminEndpoints(db: Database): Endpoint[] {
  return [
    endpoint(
      {
        ...admin,
        method: 'post',
        path: '/v1/admin/tickets/:code/check-in',
        summary: 'Check a ticket in at the door (again: when it first was)',
        params: ticketCode,
        body: checkInBody,
        responses: {
          200: { description: 'Checked in, now or before.', schema: checkedIn },
          ...problemResponses(400, 403, 404, 409),
        },
      },
      async ({ params, body }, _req, res) => {
        const done = await checkInTicket(db, params.code, body.entryId);
        if (!done) throw new ApiProblem(404, 'ticket_not_found', 'No ticket has that code.');
        const { ticket, outcome } = done;
        if (outcome.kind === 'other_entry') {
          throw new ApiProblem(
            409,
            'ticket_for_another_entry',
            'The ticket is for another entry.',
            [{ field: 'body.entryId', message: `the ticket is for entry ${outcome.entryId}` }],
          );
        }
        if (outcome.kind === 'not_confirmed') {
          throw new ApiProblem(
            409,
            'ticket_not_valid',
            `The ticket is ${outcome.state}: only a paid ticket goes in.`,
            [{ field: 'path.code', message: `ticket ${outcome.state}` }],
            { state: outcome.state },
          );
        }
        res.json({
          ticketId: ticket.id,
          entryId: ticket.entryId,
          ticketTypeId: ticket.ticketTypeId,
          orderId: ticket.orderId,
          checkedInAt: outcome.at.toISOString(),
          alreadyCheckedIn: outcome.kind === 'already_checked_in',
        });
      },
    ),
  ];
}
