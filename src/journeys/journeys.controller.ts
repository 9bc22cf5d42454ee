import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { PageQuery } from '../common/http/pagination';
import { EnrolViaApiUseCase } from './enrol-via-api.usecase';
import { JourneyRunsService } from './journey-runs.service';
import { CreateJourneyDto, EnrolDto, RunsQuery, SimulateDto, UpdateJourneyDto } from './journeys.dto';
import { JourneysService } from './journeys.service';
import { SimulateJourneyUseCase } from './simulate-journey.usecase';

@ApiTags('journeys')
@Controller('v1')
export class JourneysController {
  constructor(
    private readonly journeys: JourneysService,
    private readonly runs: JourneyRunsService,
    private readonly enrolViaApi: EnrolViaApiUseCase,
    private readonly simulator: SimulateJourneyUseCase,
  ) {}

  @Post('journeys')
  @Auth('admin')
  create(@Body() dto: CreateJourneyDto) {
    return this.journeys.create(dto);
  }

  @Get('journeys')
  @Auth('read')
  list(@Query() query: PageQuery) {
    return this.journeys.list(query);
  }

  @Get('journeys/:id')
  @Auth('read')
  get(@Param('id') id: string) {
    return this.journeys.get(id);
  }

  @Patch('journeys/:id')
  @Auth('admin')
  @ApiOperation({ summary: 'Edit the draft; runs keep their version until the next publish' })
  update(@Param('id') id: string, @Body() dto: UpdateJourneyDto) {
    return this.journeys.update(id, dto);
  }

  @Delete('journeys/:id')
  @Auth('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive: live runs end as exited, the journey stays for reports' })
  archive(@Param('id') id: string) {
    return this.journeys.archive(id);
  }

  @Post('journeys/:id/publish')
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate the draft (422 with every problem) and make it the live version' })
  publish(@Param('id') id: string) {
    return this.journeys.publish(id);
  }

  @Post('journeys/:id/pause')
  @Auth('admin')
  @HttpCode(200)
  pause(@Param('id') id: string) {
    return this.journeys.pause(id);
  }

  @Post('journeys/:id/resume')
  @Auth('admin')
  @HttpCode(200)
  resume(@Param('id') id: string) {
    return this.journeys.resume(id);
  }

  @Post('journeys/:id/archive')
  @Auth('admin')
  @HttpCode(204)
  archiveExplicit(@Param('id') id: string) {
    return this.journeys.archive(id);
  }

  @Get('journeys/:id/versions')
  @Auth('read')
  versions(@Param('id') id: string) {
    return this.journeys.versionsOf(id);
  }

  @Post('journeys/:id/enrol')
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a run for a customer now, subject to the re-entry policy' })
  enrol(@Param('id') id: string, @Body() dto: EnrolDto) {
    return this.enrolViaApi.execute(id, dto);
  }

  @Post('journeys/:id/simulate')
  @Auth('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'The path a customer (or given facts) would take now, without side effects' })
  simulate(@Param('id') id: string, @Body() dto: SimulateDto) {
    return this.simulator.execute(id, dto);
  }

  @Get('journeys/:id/runs')
  @Auth('read')
  @ApiOperation({ summary: 'Runs with their timelines: nodes entered and left, branches and why, messages' })
  runsOf(@Param('id') id: string, @Query() query: RunsQuery) {
    return this.runs.list(id, query);
  }

  @Get('journeys/:id/runs/:runId')
  @Auth('read')
  run(@Param('id') id: string, @Param('runId') runId: string) {
    return this.runs.get(id, runId);
  }

  @Get('customers/:id/journeys')
  @Auth('read')
  ofCustomer(@Param('id') id: string) {
    return this.runs.ofCustomer(id);
  }
}
