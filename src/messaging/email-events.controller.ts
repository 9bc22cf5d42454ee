import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { EmailEventsUseCase } from './email-events.usecase';
import { EmailEventDto } from './messaging.dto';

@ApiTags('messages')
@Controller('v1/webhooks')
export class EmailEventsController {
  constructor(private readonly events: EmailEventsUseCase) {}

  @Post('email-events')
  @Auth('ingest')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A bounce or complaint reported by an email provider (HTTP Basic with the key works too)',
  })
  report(@Body() dto: EmailEventDto) {
    return this.events.execute(dto);
  }
}
