import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Request bodies, emails and traits are never passed to the logger: callers log ids,
 * route templates, counts and error codes only.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'waymark' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.email', '*.traits', '*.authorization', '*.password'], censor: '[redacted]' },
  });
}

/** Lets Nest's own messages (module init, route mapping) go through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
