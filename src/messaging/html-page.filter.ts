import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { logUnhandled } from '../common/http/all-exceptions.filter';
import { ErrorBody, toErrorBody } from '../common/http/error-body';
import { LOGGER } from '../common/logging/logger.token';
import { escapeHtml, htmlPage } from './html-page';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Link not found',
  409: 'Not possible',
};

/**
 * Errors on the pages recipients open in a browser (`/u`, `/p`, `/v`) as an HTML page with the same status the JSON
 * filter would give: a bad token is a 404 page, a 500 shows only its error id.
 */
@Catch()
export class HtmlPageFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const res = http.getResponse<FastifyReply>();
    const { body, internal } = toErrorBody(exception);
    if (internal) logUnhandled(this.logger, req.id, body.errorId, exception);
    if (res.sent || res.raw.headersSent) {
      res.raw.end();
      return;
    }
    sendErrorPage(res, body, internal);
  }
}

/** Answers with the error page for `body`, with the status the JSON filter would give. */
export function sendErrorPage(reply: FastifyReply, body: ErrorBody, internal: boolean): void {
  void reply
    .status(body.statusCode)
    .headers({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    .send(errorPage(body, internal));
}

/** The page for an error on a recipients' page: a bad token is a 404 page, a 500 shows only its error id. */
function errorPage(body: ErrorBody, internal: boolean): string {
  const title = TITLES[body.statusCode] ?? (internal ? 'Something went wrong' : 'Error');
  const detail =
    body.statusCode === 404
      ? 'This link is not valid (it may be mistyped or incomplete).'
      : internal
        ? `Please try again later (error ${body.errorId}).`
        : body.message;
  return htmlPage(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`);
}
