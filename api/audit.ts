import type { RequestHandler } from 'express';
import type { Database } from '../db/client.ts';
import { recordAdminAction } from '../db/queries/admin-audit.ts';

/**
 * Audits every answer of the admin API before it leaves: the record is written first, so an
 * answer the caller saw is always on record (a failed write answers 500 instead). Every
 * answer goes through `res.send`, a replayed one (api/idempotency.ts) included.
 */
export function auditAdmin(db: Database): RequestHandler {
  return (req, res, next) => {
    const send = res.send.bind(res);
    // The first answer is audited, then sent; Express's own inner sends (an object becomes
    // JSON through a second send) pass straight through, and any later answer is dropped.
    let audited = false;
    let sending = false;
    const sendNow = (body: unknown) => {
      sending = true;
      try {
        send(body);
      } finally {
        sending = false;
      }
    };
    res.send = (body?: unknown) => {
      if (sending) return send(body);
      if (audited) return res;
      audited = true;
      let answer: unknown = body;
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        try {
          answer = JSON.parse(body.toString());
        } catch {
          answer = null;
        }
      }
      const route = (req.route as { path?: string } | undefined)?.path;
      recordAdminAction(db, {
        actor: (res.locals.admin as string | undefined) ?? 'unauthenticated',
        action: `${req.method} ${req.baseUrl}${route ?? req.path}`,
        request: {
          path: req.originalUrl.split('?')[0],
          body: req.body as unknown,
          // A retry answered what its Idempotency-Key was first answered (api/idempotency.ts):
          // on record too, and told apart from the action it repeats.
          ...(res.get('idempotent-replayed') === 'true' ? { replayed: true } : {}),
        },
        status: res.statusCode,
        answer,
      }).then(
        () => sendNow(body),
        () => {
          res.status(500).type('application/problem+json');
          sendNow(
            JSON.stringify({
              type: '/problems/internal_error',
              title: 'The action could not be put on record.',
              status: 500,
              code: 'internal_error',
            }),
          );
        },
      );
      return res;
    };
    next();
  };
}
