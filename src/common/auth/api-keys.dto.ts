import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { API_KEY_ROLES, ApiKeyRole } from './auth.decorators';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Website tracking', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;
}
