import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { routeOf } from './metrics.ts';

/**
 * One JSON line per request, by pino-http: method, route pattern, status, time. Handlers that
 * touch an order add it (`res.locals.orderId`, `res.locals.workflowId`), so a checkout can be
 * followed from the storefront's request to the workflow's own lines. No URL, query string,
 * header or body is logged: they carry ids and tokens. Mount it after the metrics'
 * middleware, which notes the route pattern.
 */
export function requestLog(log: Logger) {
  return pinoHttp({
    logger: log,
    // Neither the request nor the response as pino-http would print them: only our fields.
    serializers: { req: () => undefined, res: () => undefined, err: () => undefined },
    wrapSerializers: false,
    customAttributeKeys: { responseTime: 'ms' },
    customLogLevel: () => 'info',
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customProps: (req, res) => {
      const locals = (
        res as unknown as { locals: { orderId?: number | string; workflowId?: string } }
      ).locals;
      return {
        method: req.method,
        route: routeOf(res as never),
        status: res.statusCode,
        ...(locals.orderId !== undefined ? { orderId: String(locals.orderId) } : {}),
        ...(locals.workflowId !== undefined ? { workflowId: locals.workflowId } : {}),
      };
    },
  });
}
