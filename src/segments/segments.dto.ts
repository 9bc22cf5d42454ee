import { KeyProperty } from '../common/http/key-property';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination';

const RULES_EXAMPLE = {
  all: [
    { fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 2 },
    {
      fact: 'events',
      params: { event: 'Email Opened', withinDays: 30 },
      operator: 'greaterThanInclusive',
      value: 2,
    },
  ],
};

export class CreateSegmentDto {
  @KeyProperty('Stable key used by journeys, templates and rules', 'repeat-openers')
  key!: string;

  @ApiProperty({ example: 'Repeat buyers who open email' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ description: "Conditions in json-rules-engine's format", example: RULES_EXAMPLE })
  @IsObject()
  rules!: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Minimum time in the segment before an exit is recorded (hysteresis)',
    default: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365 * 24 * 3600)
  minDwellSeconds?: number;
}

export class UpdateSegmentDto extends PartialType(CreateSegmentDto) {}

export class PreviewSegmentDto {
  @ApiProperty({ example: RULES_EXAMPLE })
  @IsObject()
  rules!: Record<string, unknown>;

  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  sample?: number;
}

export class CustomerSegmentsQuery {
  @ApiPropertyOptional({ description: 'Show each condition with its fact value and outcome' })
  @IsOptional()
  @Type(() => String)
  @Matches(/^(true|false)$/)
  explain?: string;
}

export class MembersQuery extends PageQuery {}

export class ListSegmentsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Boolean)
  @IsBoolean()
  includeArchived?: boolean;
}
