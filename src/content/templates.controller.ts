import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../common/auth/auth.decorators';
import { PreviewService } from './preview.service';
import {
  CreateTemplateDto,
  GetTemplateQuery,
  ListTemplatesQuery,
  PreviewTemplateDto,
  UpdateTemplateDto,
} from './templates.dto';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@Controller('v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly previews: PreviewService,
  ) {}

  @Post()
  @Auth('admin')
  @ApiOperation({
    summary: 'Create a template (version 1); 422 with line and column when Liquid does not parse',
  })
  create(@Body() dto: CreateTemplateDto, @Req() req: FastifyRequest) {
    return this.templates.create(dto, req.apiKey);
  }

  @Get()
  @Auth('read')
  list(@Query() query: ListTemplatesQuery) {
    return this.templates.list(query);
  }

  @Get(':id')
  @Auth('read')
  @ApiOperation({ summary: 'The newest version (or `?version=N`); `id` is the id or the key' })
  get(@Param('id') id: string, @Query() query: GetTemplateQuery) {
    return this.templates.get(id, query.version);
  }

  @Put(':id')
  @Auth('admin')
  @ApiOperation({ summary: 'Add a new version with this content (versions are never edited)' })
  update(@Param('id') id: string, @Body() dto: UpdateTemplateDto, @Req() req: FastifyRequest) {
    return this.templates.update(id, dto, req.apiKey);
  }

  @Delete(':id')
  @Auth('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Archive: no new versions, hidden from the list; existing versions stay readable',
  })
  archive(@Param('id') id: string, @Req() req: FastifyRequest) {
    return this.templates.archive(id, req.apiKey);
  }

  @Post(':id/preview')
  @Auth('read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Render subject, HTML and text for a stored customer or a supplied context, with block choices',
  })
  preview(@Param('id') id: string, @Body() dto: PreviewTemplateDto) {
    return this.previews.preview(id, dto);
  }
}
