import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerSegmentsService } from './customer-segments.service';
import { EvaluateChangesUseCase } from './evaluate-changes.usecase';
import { RefreshAllSegmentsUseCase } from './refresh-all.usecase';
import { RefreshSegmentUseCase } from './refresh-segment.usecase';
import { SegmentScheduler } from './segment-scheduler';
import { SegmentWorker } from './segment-worker';
import { SegmentsController } from './segments.controller';
import { RfmController } from './rfm/rfm.controller';
import { RfmJob } from './rfm/rfm.job';
import { ScoreRfmUseCase } from './rfm/score-rfm.usecase';
import { SegmentsService } from './segments.service';

@Module({
  imports: [CustomersModule],
  controllers: [SegmentsController, RfmController],
  providers: [
    SegmentsService,
    RefreshSegmentUseCase,
    RefreshAllSegmentsUseCase,
    EvaluateChangesUseCase,
    CustomerSegmentsService,
    SegmentWorker,
    SegmentScheduler,
    ScoreRfmUseCase,
    RfmJob,
  ],
  exports: [SegmentsService, RefreshAllSegmentsUseCase, EvaluateChangesUseCase],
})
export class SegmentsModule {}
