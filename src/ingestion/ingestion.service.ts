import { Injectable } from '@nestjs/common';
import { Clock } from '../database/clock';
import type { FieldProblem } from '../common/errors/app.exception';
import { Coalescer } from './coalescer';
import { IngestionErrorCode, IngestionException } from './ingestion.exception';
import { IngestMessagesUseCase, IngestResult } from './ingest-messages.usecase';
import type { IncomingMessage, MessageType } from './message';
import { validateBatch, validateSingle } from './validate-batch';

@Injectable()
export class IngestionService {
  /** Single calls arriving together share one write (see Coalescer): one round trip for many requests. */
  private readonly singles = new Coalescer<IncomingMessage, boolean>(async (messages) => {
    const stored = await this.ingest.storedIds(messages);
    const claimed = new Set<string>();
    // The first caller with a messageId gets the store; a repeat in the same group is its duplicate.
    return messages.map(
      (m) => stored.has(m.messageId) && !claimed.has(m.messageId) && !!claimed.add(m.messageId),
    );
  });

  constructor(
    private readonly ingest: IngestMessagesUseCase,
    private readonly clock: Clock,
  ) {}

  async single(type: MessageType, body: unknown): Promise<IngestResult & { success: true }> {
    const { messages, problems } = validateSingle(body, type, this.clock.now());
    if (problems.length) throw invalid(problems);
    const stored = await this.singles.submit(messages[0]);
    return { success: true, stored: stored ? 1 : 0, duplicates: stored ? 0 : 1 };
  }

  batch(body: unknown): Promise<IngestResult & { success: true }> {
    return this.store(validateBatch(body, this.clock.now()));
  }

  private async store({ messages, problems }: { messages: IncomingMessage[]; problems: FieldProblem[] }) {
    if (problems.length) throw invalid(problems);
    return { success: true as const, ...(await this.ingest.execute(messages)) };
  }
}

function invalid(problems: FieldProblem[]): IngestionException {
  const first = `${problems[0].path}: ${problems[0].message}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new IngestionException(
    IngestionErrorCode.INVALID_MESSAGE,
    `Invalid message: ${first}${more}`,
    problems,
  );
}
