import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/pagination';

export class SetConsentDto {
  @ApiProperty({ description: 'Consent for marketing email' })
  @IsBoolean()
  marketingConsent!: boolean;

  @ApiPropertyOptional({ example: 'preference-center', default: 'api', maxLength: 100 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  source?: string;
}

export class ListCustomersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Exact email, case-insensitive' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;
}
