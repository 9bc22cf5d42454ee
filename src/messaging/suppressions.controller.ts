import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { CreateSuppressionDto, ListSuppressionsQuery } from './messaging.dto';
import { SuppressionsService } from './suppressions.service';

@ApiTags('suppressions')
@Controller('v1/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Post()
  @Auth('admin')
  add(@Body() dto: CreateSuppressionDto) {
    return this.suppressions.add(dto.email, dto.reason ?? 'manual');
  }

  @Get()
  @Auth('read')
  list(@Query() query: ListSuppressionsQuery) {
    return this.suppressions.list(query.limit, query.cursor);
  }

  @Get(':email')
  @Auth('read')
  get(@Param('email') email: string) {
    return this.suppressions.get(email);
  }

  @Delete(':email')
  @Auth('admin')
  @HttpCode(204)
  remove(@Param('email') email: string) {
    return this.suppressions.remove(email);
  }
}
