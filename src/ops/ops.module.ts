import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { OpsController } from './ops.controller';

@Global()
@Module({ controllers: [OpsController], providers: [Metrics], exports: [Metrics] })
export class OpsModule {}
