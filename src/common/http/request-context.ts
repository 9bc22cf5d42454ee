import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../../ops/metrics';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: { id: string; name: string; role: string };
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id (Fastify's `request.id`): the caller's `X-Request-Id` when it is a sane token, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Echoes the request id, then logs and counts each finished request. Logs the route template, never the URL (ids may be emails). */
export function addRequestContext(instance: FastifyInstance, logger: Logger, metrics: Metrics): void {
  instance.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    done();
  });
  instance.addHook('onResponse', (req, reply, done) => {
    recordRequest(logger, metrics, req, routeOf(req), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/** The access log line and the request metrics of one answered request. */
export function recordRequest(
  logger: Logger,
  metrics: Metrics | undefined,
  req: FastifyRequest,
  route: string,
  status: number,
  seconds: number,
): void {
  metrics?.observeRequest(req.method, route, status, seconds);
  logger.info(
    { reqId: req.id, method: req.method, route, status, ms: Math.round(seconds * 1000), key: req.apiKey?.id },
    'request',
  );
}

/** The matched route's template (`/v1/customers/:id`), or `unmatched` for a 404 without a route. */
function routeOf(req: FastifyRequest): string {
  return req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched');
}
