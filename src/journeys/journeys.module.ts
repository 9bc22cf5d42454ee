import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { MessagingModule } from '../messaging/messaging.module';
import { AdvanceRunsUseCase } from './engine/advance-runs.usecase';
import { CartCheck } from './engine/cart-check';
import { EnrolCustomerUseCase } from './engine/enrol-customer.usecase';
import { JourneyWorkers } from './engine/journey-workers';
import { NodeExecutor } from './engine/node-executor';
import { ProcessInboxUseCase } from './engine/process-inbox.usecase';
import { EnrolViaApiUseCase } from './enrol-via-api.usecase';
import { JourneyRunsService } from './journey-runs.service';
import { JourneyVersionsRepository } from './journey-versions.repository';
import { JourneysController } from './journeys.controller';
import { JourneysService } from './journeys.service';
import { SimulateJourneyUseCase } from './simulate-journey.usecase';
import { DateTriggerJob } from './triggers/date-trigger.job';

@Module({
  imports: [CustomersModule, MessagingModule, ExperimentsModule],
  controllers: [JourneysController],
  providers: [
    JourneysService,
    JourneyVersionsRepository,
    JourneyRunsService,
    EnrolCustomerUseCase,
    EnrolViaApiUseCase,
    SimulateJourneyUseCase,
    NodeExecutor,
    CartCheck,
    AdvanceRunsUseCase,
    ProcessInboxUseCase,
    JourneyWorkers,
    DateTriggerJob,
  ],
  exports: [AdvanceRunsUseCase, ProcessInboxUseCase, DateTriggerJob],
})
export class JourneysModule {}
