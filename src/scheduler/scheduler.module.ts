import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LeaderLock } from './leader-lock';

@Global()
@Module({ imports: [ScheduleModule.forRoot()], providers: [LeaderLock], exports: [LeaderLock] })
export class SchedulerModule {}
