import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LeaderLock } from './leader-lock';
import { NotificationHub } from './notification-hub';
import { Notifier } from './notifier';

@Global()
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [LeaderLock, NotificationHub, Notifier],
  exports: [LeaderLock, NotificationHub, Notifier],
})
export class SchedulerModule {}
