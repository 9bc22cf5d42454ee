import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuthModule } from './common/auth/auth.module';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { LOGGER } from './common/logging/logger.token';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { ContentModule } from './content/content.module';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { JourneysModule } from './journeys/journeys.module';
import { MessagingModule } from './messaging/messaging.module';
import { OpsModule } from './ops/ops.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { SegmentsModule } from './segments/segments.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        SchedulerModule,
        OpsModule,
        AuthModule,
        CustomersModule,
        IngestionModule,
        SegmentsModule,
        ContentModule,
        AnalyticsModule,
        MessagingModule,
        ExperimentsModule,
        JourneysModule,
      ],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
      exports: [LOGGER],
      global: true,
    };
  }
}
