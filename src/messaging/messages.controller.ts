import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth } from '../common/auth/auth.decorators';
import { CreateMessageDto } from './messaging.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @Auth('admin')
  @ApiOperation({
    summary:
      'Queue one template for one customer (201; 200 with the existing message for a repeated idempotencyKey)',
  })
  async create(@Body() dto: CreateMessageDto, @Res({ passthrough: true }) res: FastifyReply) {
    const { message, created } = await this.messages.create(dto);
    res.status(created ? 201 : 200);
    return message;
  }

  @Get(':id')
  @Auth('read')
  get(@Param('id') id: string) {
    return this.messages.get(id);
  }
}
