import { PageQuery } from '../common/http/pagination';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { AssignVariantUseCase } from './assign-variant.usecase';
import { ExperimentResultsService } from './experiment-results.service';
import {
  AssignDto,
  CreateExperimentDto,
  PromoteDto,
  ResultsQuery,
  UpdateExperimentDto,
} from './experiments.dto';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(
    private readonly experiments: ExperimentsService,
    private readonly assignVariant: AssignVariantUseCase,
    private readonly results: ExperimentResultsService,
  ) {}

  @Post()
  @Auth('admin')
  create(@Body() dto: CreateExperimentDto) {
    return this.experiments.create(dto);
  }

  @Get()
  @Auth('read')
  list(@Query() query: PageQuery) {
    return this.experiments.list(query);
  }

  @Get(':id')
  @Auth('read')
  get(@Param('id') id: string) {
    return this.experiments.get(id);
  }

  @Patch(':id')
  @Auth('admin')
  @ApiOperation({ summary: 'Edit; arms and factors are fixed once started, weights apply to new customers' })
  update(@Param('id') id: string, @Body() dto: UpdateExperimentDto) {
    return this.experiments.update(id, dto);
  }

  @Delete(':id')
  @Auth('admin')
  @HttpCode(204)
  remove(@Param('id') id: string) {
    return this.experiments.remove(id);
  }

  @Post(':id/assignments')
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({ summary: "The customer's arm: assigned and stored at first exposure, then sticky" })
  assign(@Param('id') id: string, @Body() dto: AssignDto) {
    return this.assignVariant.execute(id, dto.customer);
  }

  @Get(':id/assignments/:customer')
  @Auth('read')
  assignment(@Param('id') id: string, @Param('customer') customer: string) {
    return this.assignVariant.get(id, customer);
  }

  @Get(':id/results')
  @Auth('read')
  @ApiOperation({ summary: 'KPIs and statistics per arm (and per segment snapshot), SRM check, verdict' })
  resultsOf(@Param('id') id: string, @Query() query: ResultsQuery) {
    return this.results.results(id, query.bySegment === 'true');
  }

  @Post(':id/promote')
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Route new customers to this arm; assigned customers keep theirs. Records the key as promotedBy',
  })
  promote(@Param('id') id: string, @Body() dto: PromoteDto, @Req() req: FastifyRequest) {
    return this.experiments.promote(id, dto.arm, req.apiKey);
  }
}
