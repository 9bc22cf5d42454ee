import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../../ops/metrics';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    apiKey?: { id: string; name: string; role: string };
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Request id, access log and request metrics. Logs the route template, never the URL (ids may be emails). */
export function requestContext(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.observeRequest(req.method, route, res.statusCode, seconds);
      logger.info(
        {
          reqId: req.id,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          key: req.apiKey?.id,
        },
        'request',
      );
    });
    next();
  };
}
