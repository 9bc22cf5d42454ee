import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination';
import { COUNT_MODELS, CountModelName } from './clv-model/clv-model';
import type { TimeUnit } from './clv/summary';
import { MODEL_KINDS, ModelKind } from './models.repository';

export class TierSharesDto {
  @ApiPropertyOptional({ description: 'Share of customers (by CLV) in the top tier', default: 0.2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  high?: number;

  @ApiPropertyOptional({ description: 'Share in the next tier; the rest are `low`', default: 0.3 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  medium?: number;
}

export class FitClvDto {
  @ApiPropertyOptional({ enum: COUNT_MODELS, default: 'bgnbd', description: 'Purchase count model' })
  @IsOptional()
  @IsIn(COUNT_MODELS)
  model?: CountModelName;

  @ApiPropertyOptional({ default: 12, minimum: 1, maximum: 120, description: 'CLV horizon in months' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  horizonMonths?: number;

  @ApiPropertyOptional({ default: 0.01, minimum: 0, maximum: 0.5, description: 'Discount rate per month' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.5)
  monthlyDiscount?: number;

  @ApiPropertyOptional({
    description: 'Last day of the calibration period (UTC, inclusive); default today',
    example: '1997-09-30',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  calibrationEnd?: string;

  @ApiPropertyOptional({
    description: 'Last day of a holdout period after calibrationEnd: predicted vs actual repeat purchases',
    example: '1998-06-30',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  holdoutEnd?: string;

  @ApiPropertyOptional({ enum: ['weeks', 'days'], default: 'weeks', description: 'Time unit of the model' })
  @IsOptional()
  @IsIn(['weeks', 'days'])
  unit?: TimeUnit;

  @ApiPropertyOptional({ type: TierSharesDto, description: 'CLV tiers by quantile' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TierSharesDto)
  tiers?: TierSharesDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Optimiser iteration budget (advanced)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxIterations?: number;
}

export class FitChurnDto {
  @ApiPropertyOptional({
    default: 90,
    minimum: 1,
    maximum: 730,
    description: 'Churn = no order within this many days after the cut-off',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(730)
  labelDays?: number;

  @ApiPropertyOptional({
    description:
      'Training cut-off: features from events before it, labels from the labelDays after it; ' +
      'default now − labelDays',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  cutoff?: string;

  @ApiPropertyOptional({
    default: 90,
    minimum: 1,
    maximum: 730,
    description: 'Window of the engagement counts',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(730)
  engagementDays?: number;

  @ApiPropertyOptional({
    default: 0.25,
    minimum: 0.05,
    maximum: 0.5,
    description: 'Share held out for evaluation',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(0.5)
  holdoutShare?: number;

  @ApiPropertyOptional({ default: 1, minimum: 0, description: 'L2 penalty on the standardised coefficients' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000)
  l2?: number;

  @ApiPropertyOptional({ default: 1, description: 'Seed of the held-out sample' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;
}

export class ListModelsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: MODEL_KINDS })
  @IsOptional()
  @IsIn(MODEL_KINDS)
  kind?: ModelKind;

  @ApiPropertyOptional({ description: 'Only the current model (true) or only the others (false)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  current?: boolean;
}
