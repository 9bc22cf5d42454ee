import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { InboundUnsubscribeUseCase } from './inbound-unsubscribe.usecase';
import { InboundUnsubscribeDto } from './messaging.dto';

@ApiTags('messages')
@Controller('v1/inbound')
export class InboundController {
  constructor(private readonly inbound: InboundUnsubscribeUseCase) {}

  @Post('unsubscribe')
  @Auth('ingest')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "A mail to the List-Unsubscribe mailto address, from a provider's inbound-parse webhook ({ to, from })",
  })
  unsubscribe(@Body() dto: InboundUnsubscribeDto) {
    return this.inbound.execute(dto);
  }
}
