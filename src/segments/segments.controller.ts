import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { CustomerSegmentsService } from './customer-segments.service';
import { RefreshSegmentUseCase } from './refresh-segment.usecase';
import {
  CreateSegmentDto,
  CustomerSegmentsQuery,
  ListSegmentsQuery,
  MembersQuery,
  PreviewSegmentDto,
  UpdateSegmentDto,
} from './segments.dto';
import { SegmentsService } from './segments.service';

@ApiTags('segments')
@Controller('v1')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly refreshSegment: RefreshSegmentUseCase,
    private readonly customerSegments: CustomerSegmentsService,
  ) {}

  @Post('segments')
  @Auth('admin')
  create(@Body() dto: CreateSegmentDto) {
    return this.segments.create(dto);
  }

  @Post('segments/preview')
  @Auth('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Size and a sample of a definition, without saving it' })
  preview(@Body() dto: PreviewSegmentDto) {
    return this.segments.preview(dto.rules, dto.sample);
  }

  @Get('segments')
  @Auth('read')
  list(@Query() query: ListSegmentsQuery) {
    return this.segments.list(query);
  }

  @Get('segments/:id')
  @Auth('read')
  get(@Param('id') id: string) {
    return this.segments.get(id);
  }

  @Get('segments/:id/versions')
  @Auth('read')
  versions(@Param('id') id: string) {
    return this.segments.versions(id);
  }

  @Patch('segments/:id')
  @Auth('admin')
  update(@Param('id') id: string, @Body() dto: UpdateSegmentDto) {
    return this.segments.update(id, dto);
  }

  @Delete('segments/:id')
  @Auth('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive: history stays, evaluation stops' })
  archive(@Param('id') id: string) {
    return this.segments.archive(id);
  }

  @Get('segments/:id/members')
  @Auth('read')
  members(@Param('id') id: string, @Query() query: MembersQuery) {
    return this.segments.members(id, query);
  }

  @Post('segments/:id/refresh')
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Full refresh now (also runs on a schedule)' })
  async refresh(@Param('id') id: string) {
    return this.refreshSegment.execute(await this.segments.active(id));
  }

  @Get('customers/:id/segments')
  @Auth('read')
  forCustomer(@Param('id') id: string, @Query() query: CustomerSegmentsQuery) {
    return this.customerSegments.forCustomer(id, query.explain === 'true');
  }
}
