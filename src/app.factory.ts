import { ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import type { FieldProblem } from './common/errors/app.exception';
import { CommonException } from './common/errors/common.exception';
import { toErrorBody } from './common/http/error-body';
import { rejectUnstorableText } from './common/http/reject-unstorable-text';
import { requestContext } from './common/http/request-context';
import { NestPinoLogger } from './common/logging/logger';
import type { AppConfig } from './config/config';
import { migrate } from './database/migrate';
import { Metrics } from './ops/metrics';

/** The Segment-compatible endpoints, whose validators check their own bodies for text PostgreSQL cannot store. */
const SEGMENT_INGESTION = /^\/v1\/(identify|track|page|screen|group|alias|batch)\/?$/;

/** Builds the HTTP application (used by main.ts and by the e2e tests, so both run the same wiring). */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  const applied = await migrate(app.get(DataSource));
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');

  (app.getHttpServer() as Server).keepAliveTimeout = config.keepAliveTimeoutMs;
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  app.use(requestContext(logger, app.get(Metrics)));
  const parseJson = json({ limit: config.bodyLimitBytes });
  // Parser errors are answered here: they happen before Nest's filters can see the request. CSV imports stream
  // their own body, so a JSON parser must not consume it (a JSON upload then gets the import's 415).
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.path.startsWith('/v1/import/')
      ? next()
      : parseJson(req, res, (error?: unknown) => {
          if (!error) return next();
          const { body } = toErrorBody(error);
          res.status(body.statusCode).json({ ...body, requestId: req.id });
        }),
  );
  app.use(rejectUnstorableText(SEGMENT_INGESTION));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => CommonException.validation(flatten(errors)),
    }),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Waymark API')
      .setDescription(
        'Marketing-automation journeys and personalization. Ingestion follows the Segment HTTP API.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addBasicAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
