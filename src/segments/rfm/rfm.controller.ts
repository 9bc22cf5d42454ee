import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../../common/auth/auth.decorators';
import { RfmScoreDto } from './rfm.dto';
import { RfmJob } from './rfm.job';

@ApiTags('segments')
@Controller('v1/scores/rfm')
export class RfmController {
  constructor(private readonly job: RfmJob) {}

  @Post()
  @Auth('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recompute RFM scores now (also nightly), then refresh every segment' })
  run(@Body() dto: RfmScoreDto) {
    return this.job.run(dto);
  }
}
