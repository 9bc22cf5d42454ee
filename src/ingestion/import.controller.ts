import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../common/auth/auth.decorators';
import { CommonErrorCode, CommonException } from '../common/errors/common.exception';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CsvImportService } from './csv-import.service';
import { IMPORT_KINDS, ImportKind } from './csv-rows';
import { IngestionErrorCode, IngestionException } from './ingestion.exception';
import { limitStream } from './limit-stream';

@ApiTags('ingestion')
@Auth('ingest')
@Controller('v1/import')
export class ImportController {
  constructor(
    private readonly csv: CsvImportService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(':kind')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import a CSV file (streamed)',
    description:
      'customers: userId and/or anonymousId, email, timezone, marketingConsent, any other column becomes a trait. ' +
      'events: userId/anonymousId, event, timestamp, messageId, properties.<name> columns or a JSON properties column.',
  })
  @ApiParam({ name: 'kind', enum: IMPORT_KINDS })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'userId,email,plan\nu-1,ada@example.com,pro\n' } })
  @ApiOkResponse({
    schema: {
      example: {
        accepted: 1,
        duplicates: 0,
        rejected: 1,
        errors: [{ line: 3, reason: 'email: must be an email address' }],
      },
    },
  })
  import(@Param('kind') kind: string, @Req() req: FastifyRequest) {
    if (!IMPORT_KINDS.includes(kind as ImportKind)) {
      throw new CommonException(
        CommonErrorCode.NOT_FOUND,
        `No import for "${kind}": use ${IMPORT_KINDS.join(' or ')}`,
      );
    }
    if (
      !/^(text\/csv|application\/csv|text\/plain|application\/octet-stream)\b/i.test(
        req.headers['content-type'] ?? 'text/csv',
      )
    ) {
      throw new CommonException(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the file as text/csv');
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > this.config.importLimitBytes) {
      throw new IngestionException(
        IngestionErrorCode.IMPORT_TOO_LARGE,
        `CSV file too large (limit ${this.config.importLimitBytes} bytes)`,
      );
    }
    return this.csv.import(kind as ImportKind, limitStream(req.raw, this.config.importLimitBytes));
  }
}
