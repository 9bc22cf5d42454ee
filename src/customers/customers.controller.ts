import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../common/auth/auth.decorators';
import { ListCustomersQuery, SetConsentDto } from './customers.dto';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Auth('read')
  list(@Query() query: ListCustomersQuery) {
    return this.customers.list(query);
  }

  @Get(':id')
  @Auth('read')
  @ApiOperation({ summary: "Profile, stats and identities; `id` is Waymark's id or the userId" })
  get(@Param('id') id: string) {
    return this.customers.get(id);
  }

  @Get(':id/export')
  @Auth('admin')
  @ApiOperation({ summary: 'Everything held about the customer (data access request)' })
  export(@Param('id') id: string) {
    return this.customers.export(id);
  }

  @Put(':id/consent')
  @Auth('admin')
  setConsent(@Param('id') id: string, @Body() dto: SetConsentDto, @Req() req: FastifyRequest) {
    return this.customers.setConsent(id, dto.marketingConsent, dto.source ?? 'api', req.apiKey);
  }

  @Delete(':id')
  @Auth('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Erase the customer and everything held about them' })
  erase(@Param('id') id: string, @Req() req: FastifyRequest) {
    return this.customers.erase(id, req.apiKey);
  }
}
