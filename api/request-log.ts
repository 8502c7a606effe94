import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * One JSON line per request: method, route pattern, status, time. Handlers that touch an
 * order add it (`res.locals.orderId`, `res.locals.workflowId`), so a checkout can be
 * followed from the storefront's request to the workflow's own lines. No query string,
 * header or body is logged: they carry tokens.
 */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      log.info(
        {
          method: req.method,
          route: route ? `${req.baseUrl}${route}` : 'unmatched',
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          ...(res.locals.orderId !== undefined ? { orderId: String(res.locals.orderId) } : {}),
          ...(res.locals.workflowId !== undefined ? { workflowId: res.locals.workflowId } : {}),
        },
        'request',
      );
    });
    next();
  };
}
