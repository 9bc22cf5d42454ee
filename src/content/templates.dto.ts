import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination';
import type { BlocksDefinition } from './template-definition';

export const TEMPLATE_KEY = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const MAX_SOURCE_LENGTH = 500_000;

const BLOCKS_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  description:
    'Named content blocks, rendered by `{% block_for "name" %}`: the first variant whose `when` holds wins, else ' +
    'the variant without `when`. `when` is `{ "segment": "<key>" }` or a json-rules-engine condition over the ' +
    'facts traits, stats, scores, segments, context (`{ all|any: [...] }`, `{ not }`, `{ fact, path, operator, value }`).',
  additionalProperties: {
    type: 'array',
    items: {
      type: 'object',
      required: ['html'],
      properties: { when: { type: 'object' }, html: { type: 'string' } },
    },
  },
  example: {
    hero: [
      { when: { segment: 'vip' }, html: '<h1>Hand-picked for our VIPs</h1>' },
      {
        when: { all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 5 }] },
        html: '<h1>Thanks for being a regular</h1>',
      },
      { html: '<h1>New this week</h1>' },
    ],
  },
};

class TemplateContentDto {
  @ApiProperty({
    description: 'Liquid, rendered as plain text',
    example: 'Your cart misses you, {{ customer.traits.firstName | default: "friend" }}',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2_000)
  subject!: string;

  @ApiProperty({
    description:
      'Liquid, HTML-escaped output by default (`| raw` to opt out); may use layouts/partials of templates/',
    example: '{% layout "layouts/email" %}{% block content %}{% block_for "hero" %}{% endblock %}',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SOURCE_LENGTH)
  html!: string;

  @ApiPropertyOptional({
    description: 'Liquid text body; when absent it is generated from the rendered HTML',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SOURCE_LENGTH)
  text?: string;

  @ApiPropertyOptional({ example: 'Waymark Shop <shop@example.com>' })
  @IsOptional()
  @IsEmail({ allow_display_name: true })
  @MaxLength(320)
  from?: string;

  @ApiPropertyOptional({ example: 'support@example.com' })
  @IsOptional()
  @IsEmail({ allow_display_name: true })
  @MaxLength(320)
  replyTo?: string;

  @ApiPropertyOptional(BLOCKS_SCHEMA)
  @IsOptional()
  @IsObject()
  blocks?: BlocksDefinition;
}

export class CreateTemplateDto extends TemplateContentDto {
  @ApiProperty({
    description: 'Stable reference used by journeys',
    example: 'cart-reminder',
    pattern: TEMPLATE_KEY.source,
  })
  @IsString()
  @Matches(TEMPLATE_KEY, { message: 'key must be lowercase letters, digits, ".", "_" or "-" (≤ 100)' })
  key!: string;

  @ApiProperty({ example: 'Cart reminder', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

/** A new version replaces the whole content; the key never changes, the name may. */
export class UpdateTemplateDto extends TemplateContentDto {
  @ApiPropertyOptional({ description: 'Kept when absent', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;
}

export class GetTemplateQuery {
  @ApiPropertyOptional({ description: 'A version number; the newest when absent', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class ListTemplatesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Include archived templates', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeArchived?: boolean;
}

export class PreviewCustomerDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) externalId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(320) email?: string;
  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  traits?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  stats?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  scores?: Record<string, unknown>;
}

export class PreviewLinksDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2_000) unsubscribe?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2_000) preferences?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2_000) viewInBrowser?: string;
}

export class PreviewContextDto {
  @ApiPropertyOptional({ type: PreviewCustomerDto, description: 'Not with `customerId`' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewCustomerDto)
  customer?: PreviewCustomerDto;

  @ApiPropertyOptional({ type: [String], description: 'Segment keys; not with `customerId`' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1_000)
  @IsString({ each: true })
  segments?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "The triggering event's properties",
    example: {
      products: [{ name: 'Trail shoe', price: 89.9, url: 'https://shop.example/p/1' }],
      currency: 'EUR',
    },
  })
  @IsOptional()
  @IsObject()
  event?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { key: 'abandoned-cart' } })
  @IsOptional()
  @IsObject()
  journey?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Experiment arm', example: 'B' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  variant?: string;

  @ApiPropertyOptional({ type: PreviewLinksDto, description: 'Link tokens (issued per message by delivery)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewLinksDto)
  tokens?: PreviewLinksDto;

  @ApiPropertyOptional({
    type: PreviewLinksDto,
    description: 'Whole URLs overriding the ones built from tokens',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewLinksDto)
  links?: PreviewLinksDto;
}

export class PreviewTemplateDto {
  @ApiPropertyOptional({ description: "A stored customer: Waymark's id or the userId" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  customerId?: string;

  @ApiPropertyOptional({ type: PreviewContextDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewContextDto)
  context?: PreviewContextDto;

  @ApiPropertyOptional({ description: 'A version number; the newest when absent', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @ApiPropertyOptional({
    description: 'Report undefined variables (and unknown blocks) as 422',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  strict?: boolean;
}
