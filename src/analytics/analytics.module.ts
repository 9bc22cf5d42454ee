import { Module } from '@nestjs/common';
import { SegmentsModule } from '../segments/segments.module';
import { ChurnModelService } from './churn-model.service';
import { ClvModelService } from './clv-model.service';
import { ModelFitRunner } from './model-fit-runner';
import { ModelScoresRepository } from './model-scores.repository';
import { ModelsController } from './models.controller';
import { ModelsRepository } from './models.repository';
import { NightlyModelsJob } from './nightly-models.job';
import { OrderHistoryRepository } from './order-history.repository';

/** Predictive models over the event log — CLV (BG/NBD or Pareto/NBD + Gamma-Gamma) and churn propensity. */
@Module({
  imports: [SegmentsModule],
  controllers: [ModelsController],
  providers: [
    OrderHistoryRepository,
    ModelsRepository,
    ModelScoresRepository,
    ModelFitRunner,
    ClvModelService,
    ChurnModelService,
    NightlyModelsJob,
  ],
  exports: [ClvModelService, ChurnModelService, ModelsRepository],
})
export class AnalyticsModule {}
