import { Injectable } from '@nestjs/common';
import { RefreshResult, RefreshSegmentUseCase } from './refresh-segment.usecase';
import { dependencyOrder } from './segment-order';
import { SegmentsService } from './segments.service';

/** Refreshes every active segment, referenced segments before the segments that use them. */
@Injectable()
export class RefreshAllSegmentsUseCase {
  constructor(
    private readonly segments: SegmentsService,
    private readonly refresh: RefreshSegmentUseCase,
  ) {}

  async execute(): Promise<RefreshResult[]> {
    const results: RefreshResult[] = [];
    for (const segment of dependencyOrder(await this.segments.activeSegments())) {
      results.push(await this.refresh.execute(segment));
    }
    return results;
  }
}
