import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { AssignVariantUseCase } from './assign-variant.usecase';
import { ExperimentResultsService } from './experiment-results.service';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { AutoPromotionJob } from './promotion/auto-promotion.job';

@Module({
  imports: [CustomersModule],
  controllers: [ExperimentsController],
  providers: [ExperimentsService, AssignVariantUseCase, ExperimentResultsService, AutoPromotionJob],
  exports: [ExperimentsService, AssignVariantUseCase],
})
export class ExperimentsModule {}
