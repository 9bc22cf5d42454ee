import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../common/auth/auth.decorators';
import { ChurnModelService } from './churn-model.service';
import { ClvModelService } from './clv-model.service';
import { FitChurnDto, FitClvDto, ListModelsQuery } from './models.dto';
import { ModelsRepository } from './models.repository';

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(
    private readonly clv: ClvModelService,
    private readonly churn: ChurnModelService,
    private readonly models: ModelsRepository,
  ) {}

  @Post('clv/fit')
  @Auth('admin')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Fit BG/NBD (or Pareto/NBD) + Gamma-Gamma on Order Completed events, score every buyer (P(alive), ' +
      'expected purchases, expected order value, CLV, tier) and make the model current; 422 with the reason ' +
      'when the data cannot be fitted or the fit does not converge (the previous model stays current)',
  })
  fitClv(@Body() dto: FitClvDto, @Req() req: FastifyRequest) {
    return this.clv.fit(dto, { actor: req.apiKey });
  }

  @Post('churn/fit')
  @Auth('admin')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Fit the churn propensity model (logistic regression, time split), report held-out ROC AUC and ' +
      'calibration, and store P(no order in labelDays) per buyer as churn_probability',
  })
  fitChurn(@Body() dto: FitChurnDto, @Req() req: FastifyRequest) {
    return this.churn.fit(dto, { actor: req.apiKey });
  }

  @Get()
  @Auth('read')
  @ApiOperation({ summary: 'Model fits, newest first (without diagnostics)' })
  list(@Query() query: ListModelsQuery) {
    return this.models.list(query);
  }

  @Get(':id')
  @Auth('read')
  @ApiOperation({
    summary: 'Parameters, standard errors, log-likelihood, timings, sample size and diagnostics of one fit',
  })
  get(@Param('id') id: string) {
    return this.models.get(id);
  }
}
