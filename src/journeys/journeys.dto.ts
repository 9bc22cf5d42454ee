import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { KeyProperty } from '../common/http/key-property';
import { PageQuery } from '../common/http/pagination';

const EXAMPLE = {
  trigger: { type: 'cart_abandoned', window: '1h' },
  nodes: [
    { id: 'remind', type: 'send_email', template: 'cart-reminder', next: 'wait' },
    { id: 'wait', type: 'wait', duration: '1d', next: 'exit' },
    { id: 'exit', type: 'exit' },
  ],
  goals: [{ event: 'Order Completed', within: '7d' }],
  reentry: { policy: 'cooldown', cooldown: '7d' },
};

/** The graph itself is checked by the service (graph/validate.ts): 422 with every problem and its path. */
export class CreateJourneyDto {
  @KeyProperty('Stable key used in reports and URLs', 'cart-abandonment')
  key!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ description: 'Trigger, nodes, goals, re-entry policy, frequency cap', example: EXAMPLE })
  @IsObject()
  definition!: Record<string, unknown>;
}

export class UpdateJourneyDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'The new draft; runs keep their version until the next publish' })
  @IsOptional()
  @IsObject()
  definition?: Record<string, unknown>;
}

export class EnrolDto {
  @ApiProperty({ description: 'Customer id, userId or email' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(400)
  customer!: string;

  @ApiPropertyOptional({ description: 'Becomes the run context `event` (templates read it as `event`)' })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Keys the run: one live run per customer and key', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string;
}

export class SimulateDto {
  @ApiPropertyOptional({ description: 'Customer id, userId or email whose current facts are used' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  customer?: string;

  @ApiPropertyOptional({
    description: 'Facts to use instead of (or over) a stored customer: traits, stats, scores, segments',
    example: { traits: { plan: 'pro' }, segments: ['vip'] },
  })
  @IsOptional()
  @IsObject()
  facts?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The triggering event properties (run context `event`)' })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;
}

export const RUN_STATUS_FILTERS = [
  'active',
  'waiting',
  'completed',
  'converted',
  'exited',
  'failed',
] as const;

export class RunsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RUN_STATUS_FILTERS })
  @IsOptional()
  @IsIn(RUN_STATUS_FILTERS)
  status?: (typeof RUN_STATUS_FILTERS)[number];

  @ApiPropertyOptional({ description: 'Only this customer (id, userId or email)' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  customer?: string;
}
