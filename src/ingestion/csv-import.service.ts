import { Injectable } from '@nestjs/common';
import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import type { FieldProblem } from '../common/errors/app.exception';
import { Clock } from '../database/clock';
import { checkHeader, ImportKind, rowToMessage } from './csv-rows';
import { IngestionErrorCode, IngestionException } from './ingestion.exception';
import { IngestMessagesUseCase } from './ingest-messages.usecase';
import type { IncomingMessage } from './message';
import { validateMessage } from './validate-message';

export interface ImportReport {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Line number and reason of each rejected row (the first `MAX_REPORTED` of them). */
  errors: { line: number; reason: string }[];
  errorsTruncated: boolean;
}

const CHUNK = 1000;
const MAX_REPORTED = 1000;

/**
 * Streams a CSV file through the same validation and writer as the API, a chunk of rows per transaction, so a
 * file of any size runs in constant memory and a bad row is reported without stopping the good ones.
 */
@Injectable()
export class CsvImportService {
  constructor(
    private readonly ingest: IngestMessagesUseCase,
    private readonly clock: Clock,
  ) {}

  async import(kind: ImportKind, input: Readable): Promise<ImportReport> {
    const report: ImportReport = {
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      errors: [],
      errorsTruncated: false,
    };
    const reject = (line: number, reason: string) => {
      report.rejected++;
      if (report.errors.length < MAX_REPORTED) report.errors.push({ line, reason });
      else report.errorsTruncated = true;
    };
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
    });
    let lastSkipped = -1;
    parser.on('skip', (error: Error & { code?: string; lines?: number }) => {
      // After a stray closing quote (`"a"b`) csv-parse stays in quoted mode and would swallow the following lines
      // into this bad record: resynchronise at the end of the line instead (the record is skipped either way).
      if (error.code === 'CSV_INVALID_CLOSING_QUOTE')
        (parser as unknown as { state: { quoting: boolean } }).state.quoting = false;
      const line = error.lines ?? 0;
      if (line === lastSkipped) return; // one report per row, even with several quoting errors on it
      lastSkipped = line;
      reject(line, `malformed CSV: ${error.message}`);
    });
    input.on('error', (error) => parser.destroy(error));
    input.pipe(parser);

    let header: string[] | undefined;
    let chunk: IncomingMessage[] = [];
    const flush = async () => {
      const result = await this.ingest.execute(chunk);
      report.accepted += result.stored;
      report.duplicates += result.duplicates;
      chunk = [];
    };
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record.map((c) => c.trim());
        const problem = checkHeader(kind, header);
        if (problem) {
          input.unpipe(parser);
          parser.destroy();
          throw new IngestionException(IngestionErrorCode.INVALID_CSV_HEADER, `CSV header: ${problem}`, [
            { path: 'header', message: problem },
          ]);
        }
        continue;
      }
      if (record.length !== header.length) {
        reject(info.lines, `expected ${header.length} columns, found ${record.length}`);
        continue;
      }
      const problems: FieldProblem[] = [];
      const message = validateMessage(
        rowToMessage(kind, header, record, info.lines),
        '',
        this.clock.now(),
        {},
        problems,
      );
      if (!message) {
        reject(info.lines, problems.map((p) => `${columnOf(p.path)}: ${p.message}`).join('; '));
        continue;
      }
      chunk.push(message);
      if (chunk.length >= CHUNK) await flush();
    }
    if (!header)
      throw new IngestionException(
        IngestionErrorCode.INVALID_CSV_HEADER,
        'CSV file is empty: a header row is required',
      );
    if (chunk.length) await flush();
    report.errors.sort((a, b) => a.line - b.line);
    return report;
  }
}

/** Names problems after the CSV column the user wrote, not the message field it became. */
function columnOf(path: string): string {
  return path.replace(/^traits\./, '');
}
