import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG } from './config.token';
import type { AppConfig } from './config';

/** The config is loaded before Nest starts (the database may need starting first), then provided here. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
