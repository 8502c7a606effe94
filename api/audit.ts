import type { RequestHandler } from 'express';
import type { Database } from '../db/client.ts';
import { recordAdminAction } from '../db/queries/admin-audit.ts';

/**
 * Audits every answer of the admin API before it leaves: the record is written first, so an
 * answer the caller saw is always on record (a failed write answers 500 instead).
 */
export function auditAdmin(db: Database): RequestHandler {
  return (req, res, next) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
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
        request: { params: req.params, body: req.body as unknown },
        status: res.statusCode,
        answer,
      }).then(
        () => send(body),
        () => {
          res.status(500).type('application/problem+json');
          send(
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
