import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/config.token';
import type { AppConfig } from '../config/config';
import { Clock } from './clock';
import { dataSourceOptions } from './data-source-options';
import { Notifier } from './notifier';
import { TransactionService } from './transaction.service';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config.databaseUrl!, config.dbPoolSize),
    }),
  ],
  providers: [TransactionService, Clock, Notifier],
  exports: [TransactionService, Clock, Notifier],
})
export class DatabaseModule {}
