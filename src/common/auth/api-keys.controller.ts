import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { PageQuery } from '../http/pagination';
import { CreateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { Auth } from './auth.decorators';

@ApiTags('api-keys')
@Auth('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ description: 'The new key; `key` is shown only in this response' })
  create(@Body() dto: CreateApiKeyDto) {
    return this.apiKeys.create(dto.name, dto.role).then(({ key, apiKey }) => ({ ...apiKey, key }));
  }

  @Get()
  list(@Query() query: PageQuery) {
    return this.apiKeys.list(query);
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id') id: string) {
    return this.apiKeys.revoke(id);
  }
}
