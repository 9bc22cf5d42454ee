import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/auth.decorators';
import { Metrics } from './metrics';

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  /** 200 when the database answers, 503 otherwise, so load balancers take a sick process out. */
  @Public()
  @Get('health')
  async health(@Res() res: FastifyReply): Promise<void> {
    const started = Date.now();
    try {
      await this.dataSource.query('SELECT 1');
      void res.status(200).send({ status: 'ok', database: { status: 'up', ms: Date.now() - started } });
    } catch (error) {
      void res
        .status(503)
        .send({ status: 'error', database: { status: 'down', error: (error as Error).message } });
    }
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
