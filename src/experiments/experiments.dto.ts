import { KeyProperty } from '../common/http/key-property';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const METRICS = ['open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'] as const;
export type Metric = (typeof METRICS)[number];
export const STATUSES = ['draft', 'running', 'stopped'] as const;
export type ExperimentStatus = (typeof STATUSES)[number];
export const ALLOCATIONS = ['fixed', 'thompson'] as const;
export type Allocation = (typeof ALLOCATIONS)[number];
export const WINNER_POLICIES = ['manual', 'auto'] as const;
export type WinnerPolicy = (typeof WINNER_POLICIES)[number];
/** Metrics the always-valid sequential test (a test of rates) can decide automatically. */
export const AUTO_PROMOTABLE_METRICS: readonly Metric[] = ['open_rate', 'click_rate', 'conversion_rate'];

/**
 * Arms, factors, holdout and metrics are checked by the service (experiment-definition.ts), not here, so that
 * a bad definition is answered with 422 and every problem with its path rather than a 400 with the first one.
 */
class ExperimentFieldsDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({
    description: 'A/B/n arms; the first is the control. Weights sum to 1.',
    example: [
      { name: 'control', weight: 0.5 },
      { name: 'short-subject', weight: 0.5 },
    ],
  })
  @IsOptional()
  @IsArray()
  arms?: unknown[];

  @ApiPropertyOptional({
    description: 'Multivariate factors run as a full factorial; the first level of each is its baseline.',
    example: [{ name: 'subject', levels: ['long', 'short'] }],
  })
  @IsOptional()
  @IsArray()
  factors?: unknown[];

  @ApiPropertyOptional({ description: 'Share of customers who receive nothing', example: { fraction: 0.05 } })
  @IsOptional()
  @IsObject()
  holdout?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: METRICS, isArray: true })
  @IsOptional()
  @IsArray()
  guardrailMetrics?: unknown[];

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  minSamplePerArm?: number;

  @ApiPropertyOptional({ description: 'Conversions count from here (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  startAt?: string;

  @ApiPropertyOptional({ description: 'Conversions count until here (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  endAt?: string;

  @ApiPropertyOptional({ enum: STATUSES, default: 'draft' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ExperimentStatus;

  @ApiPropertyOptional({
    enum: ALLOCATIONS,
    default: 'fixed',
    description: 'fixed: the configured weights; thompson: a multi-armed bandit on the primary metric',
  })
  @IsOptional()
  @IsIn(ALLOCATIONS)
  allocation?: Allocation;

  @ApiPropertyOptional({
    enum: WINNER_POLICIES,
    default: 'manual',
    description:
      'manual: POST /promote; auto: a scheduled check promotes the winner once the always-valid test is decisive, ' +
      'every arm has minSamplePerArm and no guardrail is significantly harmed',
  })
  @IsOptional()
  winnerPolicy?: unknown;
}

export class UpdateExperimentDto extends ExperimentFieldsDto {
  @ApiPropertyOptional({ example: 'Spring subject line test' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: METRICS })
  @IsOptional()
  @IsString()
  primaryMetric?: string;
}

export class CreateExperimentDto extends ExperimentFieldsDto {
  @KeyProperty('Stable key; messages carry it in context.experiment', 'spring-subject')
  key!: string;

  @ApiProperty({ example: 'Spring subject line test' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: METRICS })
  @IsString()
  primaryMetric!: string;
}

export class AssignDto {
  @ApiProperty({ description: 'Customer id or userId', example: 'u-1' })
  @IsString()
  @IsNotEmpty()
  customer!: string;
}

export class PromoteDto {
  @ApiProperty({ description: 'Arm that new customers get from now on' })
  @IsString()
  @IsNotEmpty()
  arm!: string;
}

export class ResultsQuery {
  @ApiPropertyOptional({ description: 'Also cut every KPI by the segments customers were in when assigned' })
  @IsOptional()
  @IsIn(['true', 'false'])
  bySegment?: string;
}
