import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CommonException } from '../errors/common.exception';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(600)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset pagination on (created_at, id): stable while rows are added, and no OFFSET scans. */
export async function paginate<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  query: PageQuery,
): Promise<Page<T>> {
  const limit = query.limit ?? 50;
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor);
    qb.andWhere(`(${alias}.created_at, ${alias}.id) > (:createdAt, :id)`, { createdAt, id });
  }
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .take(limit + 1)
    .getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as { createdAt?: Date; id?: string } | undefined;
  const nextCursor =
    rows.length > limit && last?.createdAt && last.id ? encodeCursor(last.createdAt, last.id) : null;
  return { items, nextCursor };
}

/** The (created_at, id) keyset position of a row, opaque to clients. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** Reads a cursor made by encodeCursor; anything else is a 400 naming `cursor`. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the 400 below
  }
  throw CommonException.validation([
    { path: 'cursor', message: 'is not a cursor returned by this endpoint' },
  ]);
}

/** Keyset pagination on a unique text column (a key, an email): the cursor is the last value seen. */
export function textCursorAfter(cursor: string | undefined): string {
  return cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
}

/** Cuts the `limit + 1` rows a keyset query fetched into a page, with the cursor of its last row. */
export function textPage<T>(rows: T[], limit: number, valueOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor =
    rows.length > limit ? Buffer.from(valueOf(items[items.length - 1]), 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
