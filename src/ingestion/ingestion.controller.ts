import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorators';
import { IngestionService } from './ingestion.service';

const message = (example: Record<string, unknown>) => ({ schema: { type: 'object', example } });
const ok = ApiOkResponse({
  schema: { type: 'object', example: { success: true, stored: 1, duplicates: 0 } },
});

/** The Segment HTTP tracking API: existing Segment clients can point their `host` here unchanged. */
@ApiTags('ingestion')
@Auth('ingest')
@Controller('v1')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('identify')
  @HttpCode(200)
  @ok
  @ApiBody(
    message({
      userId: 'u-123',
      traits: { email: 'ada@example.com', marketingConsent: true },
      messageId: 'm-1',
    }),
  )
  identify(@Body() body: unknown) {
    return this.ingestion.single('identify', body);
  }

  @Post('track')
  @HttpCode(200)
  @ok
  @ApiBody(
    message({ userId: 'u-123', event: 'Order Completed', properties: { revenue: 42.5, products: [] } }),
  )
  track(@Body() body: unknown) {
    return this.ingestion.single('track', body);
  }

  @Post('page')
  @HttpCode(200)
  @ok
  @ApiBody(
    message({ anonymousId: 'a-1', name: 'Pricing', properties: { url: 'https://example.com/pricing' } }),
  )
  page(@Body() body: unknown) {
    return this.ingestion.single('page', body);
  }

  @Post('screen')
  @HttpCode(200)
  @ok
  @ApiBody(message({ userId: 'u-123', name: 'Home' }))
  screen(@Body() body: unknown) {
    return this.ingestion.single('screen', body);
  }

  @Post('group')
  @HttpCode(200)
  @ok
  @ApiBody(message({ userId: 'u-123', groupId: 'acme', traits: { plan: 'pro' } }))
  group(@Body() body: unknown) {
    return this.ingestion.single('group', body);
  }

  @Post('alias')
  @HttpCode(200)
  @ok
  @ApiOperation({ summary: 'Merge previousId (an anonymousId or old userId) into userId' })
  @ApiBody(message({ previousId: 'a-1', userId: 'u-123' }))
  alias(@Body() body: unknown) {
    return this.ingestion.single('alias', body);
  }

  @Post('batch')
  @HttpCode(200)
  @ok
  @ApiBody(message({ batch: [{ type: 'track', userId: 'u-123', event: 'Product Added', messageId: 'm-2' }] }))
  batch(@Body() body: unknown) {
    return this.ingestion.batch(body);
  }
}
