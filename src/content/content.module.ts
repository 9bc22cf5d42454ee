import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.token';
import type { AppConfig } from '../config/config';
import { CustomersModule } from '../customers/customers.module';
import type { ConditionEvaluator } from './blocks/conditions';
import { JsonRulesConditionEvaluator } from './blocks/json-rules-evaluator';
import { CONDITION_EVALUATOR } from './content.tokens';
import { CustomerFactsRepository } from './customer-facts.repository';
import { LiquidEngine } from './liquid/engine';
import { PreviewService } from './preview.service';
import { TemplateRenderer } from './template-renderer';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

@Module({
  imports: [CustomersModule],
  controllers: [TemplatesController],
  providers: [
    TemplatesService,
    PreviewService,
    CustomerFactsRepository,
    { provide: LiquidEngine, useFactory: () => new LiquidEngine() },
    { provide: CONDITION_EVALUATOR, useValue: new JsonRulesConditionEvaluator() },
    {
      provide: TemplateRenderer,
      inject: [LiquidEngine, CONDITION_EVALUATOR, APP_CONFIG],
      useFactory: (engine: LiquidEngine, evaluator: ConditionEvaluator, config: AppConfig) =>
        new TemplateRenderer(engine, evaluator, config.publicUrl),
    },
  ],
  exports: [TemplatesService, TemplateRenderer, CustomerFactsRepository],
})
export class ContentModule {}
