import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class RfmScoreDto {
  @ApiPropertyOptional({
    enum: ['total', 'average'],
    default: 'total',
    description: 'M from total revenue or average order value',
  })
  @IsOptional()
  @IsIn(['total', 'average'])
  monetary?: 'total' | 'average';

  @ApiPropertyOptional({
    enum: ['frequency', 'frequency-monetary'],
    default: 'frequency',
    description: 'Second axis of the group grid',
  })
  @IsOptional()
  @IsIn(['frequency', 'frequency-monetary'])
  segmentAxis?: 'frequency' | 'frequency-monetary';
}
