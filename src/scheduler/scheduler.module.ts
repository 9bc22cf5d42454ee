import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LeaderLock } from './leader-lock';
import { NotificationHub } from './notification-hub';

@Global()
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [LeaderLock, NotificationHub],
  exports: [LeaderLock, NotificationHub],
})
export class SchedulerModule {}
