import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { asLocation } from './location';
import { Public } from '../common/auth/auth.decorators';
import { TrackingUseCase } from './tracking.usecase';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Open pixel and click redirect; no API key (recipients' mail clients call them). */
@ApiExcludeController()
@Controller('t')
export class TrackingController {
  constructor(private readonly tracking: TrackingUseCase) {}

  @Get('o/:token')
  @Public()
  async open(@Param('token') token: string, @Res() res: FastifyReply): Promise<void> {
    await this.tracking.open(token);
    void res
      .status(200)
      .headers({ 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, max-age=0' })
      .send(PIXEL);
  }

  @Get('c/:token')
  @Public()
  async click(@Param('token') token: string, @Res() res: FastifyReply): Promise<void> {
    const url = await this.tracking.click(token);
    void res.header('Cache-Control', 'no-store').redirect(asLocation(url), 302);
  }
}
