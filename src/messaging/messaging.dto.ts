import { PageQuery } from '../common/http/pagination';
import { MESSAGE_KINDS, type MessageKind } from './messages.service';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class MessageContextDto {
  @ApiPropertyOptional({ description: "The triggering event's properties (`event` in templates)" })
  @IsOptional()
  @IsObject()
  event?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  journey?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  variant?: string;
}

export class CreateMessageDto {
  @ApiProperty({ description: 'Template id or key (its newest version is sent)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  template!: string;

  @ApiProperty({ description: "Customer: Waymark's id or the userId" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  customer!: string;

  @ApiPropertyOptional({ type: MessageContextDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MessageContextDto)
  context?: MessageContextDto;

  @ApiPropertyOptional({
    description: 'A repeated key returns the message already queued, never a second one',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  idempotencyKey?: string;

  @ApiPropertyOptional({
    enum: MESSAGE_KINDS,
    default: 'marketing',
    description:
      'transactional ignores marketing consent, frequency caps and quiet hours, but never a suppression (bounce, complaint, unsubscribe)',
  })
  @IsOptional()
  @IsIn(MESSAGE_KINDS)
  kind?: MessageKind;
}

export const SUPPRESSION_REASONS = ['unsubscribe', 'bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export class CreateSuppressionDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ enum: SUPPRESSION_REASONS, default: 'manual' })
  @IsOptional()
  @IsIn(SUPPRESSION_REASONS)
  reason?: SuppressionReason;
}

/** Suppressions page by email. */
export class ListSuppressionsQuery extends PageQuery {}

export class EmailEventDto {
  @ApiProperty({ enum: ['bounce', 'complaint'] })
  @IsIn(['bounce', 'complaint'])
  type!: 'bounce' | 'complaint';

  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ description: "Waymark's message id, or the Message-ID header value (`<…@…>`)" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  messageId?: string;
}

export const PREFERENCE_ACTIONS = ['unsubscribe', 'resubscribe'] as const;
export type PreferenceAction = (typeof PREFERENCE_ACTIONS)[number];

/** `POST /p/:token?action=…`: the page's forms name the action in their URL (the server parses JSON bodies only). */
export class PreferenceActionQuery {
  @IsIn(PREFERENCE_ACTIONS)
  action!: PreferenceAction;
}

/** What a mail provider's inbound-parse webhook posts for a mail sent to the List-Unsubscribe mailto address. */
export class InboundUnsubscribeDto {
  @ApiProperty({
    description: 'The recipient address(es) as received: `u+<token>@host`, optionally with a name',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  to!: string;

  @ApiProperty({ description: 'The sender, recorded with the unsubscribe' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  from!: string;
}
