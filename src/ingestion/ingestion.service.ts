import { Injectable } from '@nestjs/common';
import { Clock } from '../database/clock';
import type { FieldProblem } from '../common/errors/app.exception';
import { IngestionErrorCode, IngestionException } from './ingestion.exception';
import { IngestMessagesUseCase, IngestResult } from './ingest-messages.usecase';
import type { IncomingMessage, MessageType } from './message';
import { validateBatch, validateSingle } from './validate-batch';

@Injectable()
export class IngestionService {
  constructor(
    private readonly ingest: IngestMessagesUseCase,
    private readonly clock: Clock,
  ) {}

  single(type: MessageType, body: unknown): Promise<IngestResult & { success: true }> {
    return this.store(validateSingle(body, type, this.clock.now()));
  }

  batch(body: unknown): Promise<IngestResult & { success: true }> {
    return this.store(validateBatch(body, this.clock.now()));
  }

  private async store({ messages, problems }: { messages: IncomingMessage[]; problems: FieldProblem[] }) {
    if (problems.length) {
      const first = `${problems[0].path}: ${problems[0].message}`;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new IngestionException(
        IngestionErrorCode.INVALID_MESSAGE,
        `Invalid message: ${first}${more}`,
        problems,
      );
    }
    return { success: true as const, ...(await this.ingest.execute(messages)) };
  }
}
