import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

const KEY = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/** A stable, human-chosen key (segments, experiments): validation and OpenAPI description in one decorator. */
export function KeyProperty(description: string, example: string) {
  return applyDecorators(
    ApiProperty({ description, example, pattern: KEY.source }),
    IsString(),
    Matches(KEY, { message: 'key must be 1–100 lower-case letters, digits, - or _' }),
  );
}
