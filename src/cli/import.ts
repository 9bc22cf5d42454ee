import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import * as fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import type { ImportReport } from '../ingestion/csv-import.service';
import { IMPORT_KINDS, ImportKind } from '../ingestion/csv-rows';
import {
  CliDatabase,
  createCliContext,
  EXIT,
  note,
  openDatabase,
  runCommand,
  UsageError,
} from './bootstrap-context';

const USAGE = `Usage: npm run import -- <customers|events> <file.csv>

Streams a CSV file through the same validation and writer as POST /v1/import/<kind>.
  customers  userId and/or anonymousId, email, timezone, marketingConsent; other columns become traits
  events     userId/anonymousId, event, timestamp, messageId, properties.<name> columns or a JSON properties column

Exit codes: 0 all rows imported (or already there), 1 rows rejected or the import failed, 2 usage error.
Database: DATABASE_URL, else the embedded PostgreSQL under WAYMARK_HOME (shared with a running server).`;

/** How many rejected rows the report lists; the rest are counted. */
const SHOWN_ERRORS = 20;
/** Without a terminal, a progress line this often. */
const PROGRESS_LINE_MS = 5000;

class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const { kind, file, size } = parseArgs(args);

  let signal: string | undefined;
  let input: Readable | undefined;
  const onSignal = (name: string) => {
    if (signal) process.exit(EXIT.interrupted); // a second Ctrl-C: leave now
    signal = name;
    note(`${name}: stopping (rows already committed stay; importing the file again skips them)`);
    input?.destroy(new Interrupted(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let db: CliDatabase | undefined;
  let app: INestApplicationContext | undefined;
  try {
    db = await openDatabase();
    if (signal) return EXIT.interrupted;
    app = await createCliContext(db);
    if (signal) return EXIT.interrupted;

    const { CsvImportService } = await import('../ingestion/csv-import.service.js');
    const started = Date.now();
    const progress = startProgress(kind, size);
    input = fs.createReadStream(file);
    const counted = countBytes(input, (n) => progress.add(n));
    let report: ImportReport;
    try {
      report = await app.get(CsvImportService).import(kind, counted);
    } finally {
      progress.stop();
    }
    process.stdout.write(formatReport(kind, file, report, Date.now() - started));
    return report.rejected > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (error instanceof Interrupted || signal) return EXIT.interrupted;
    const { IngestionException } = await import('../ingestion/ingestion.exception.js');
    if (error instanceof IngestionException) {
      // A header problem (or an empty file): nothing was imported.
      note(`import failed, nothing imported: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    await app?.close().catch((error: Error) => note(`closing: ${error.message}`));
    await db?.close().catch((error: Error) => note(`stopping the embedded database: ${error.message}`));
  }
}

function parseArgs(args: string[]): { kind: ImportKind; file: string; size: number } {
  if (args.length === 0) throw new UsageError('Missing arguments: the kind of import and the CSV file.');
  const [kind, file, ...rest] = args;
  if (!IMPORT_KINDS.includes(kind as ImportKind))
    throw new UsageError(`Unknown import kind "${kind}": use ${IMPORT_KINDS.join(' or ')}.`);
  if (!file) throw new UsageError(`Missing the CSV file to import as ${kind}.`);
  if (rest.length) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `File not found: ${file}` : `Cannot read ${file}: ${(error as Error).message}`,
    );
  }
  if (!stat.isFile()) throw new UsageError(`Not a file: ${file}`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  return { kind: kind as ImportKind, file, size: stat.size };
}

/** Passes the file through, telling how many bytes went by; a read error fails the stream the import reads. */
function countBytes(input: Readable, add: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      add(chunk.length);
      done(null, chunk);
    },
  });
  input.on('error', (error) => counter.destroy(error));
  return input.pipe(counter);
}

interface Progress {
  add(bytes: number): void;
  stop(): void;
}

/** A bar on bytes read when stderr is a terminal; otherwise a line every few seconds (logs, CI). */
function startProgress(kind: ImportKind, total: number): Progress {
  let done = 0;
  if (process.stderr.isTTY && total > 0) {
    const bar = new SingleBar(
      {
        format: `${kind} {bar} {percentage}% | {done} of {size} | {duration_formatted} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        fps: 5,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { done: bytes(0), size: bytes(total) });
    return {
      add(n) {
        done += n;
        bar.update(done, { done: bytes(done) });
      },
      stop() {
        bar.update(done, { done: bytes(done) });
        bar.stop();
      },
    };
  }
  const started = Date.now();
  const line = () =>
    note(
      `${kind}: read ${bytes(done)} of ${bytes(total)} (${total ? Math.floor((done / total) * 100) : 100}%) ` +
        `in ${seconds(Date.now() - started)}`,
    );
  const timer = setInterval(line, PROGRESS_LINE_MS);
  timer.unref();
  return {
    add(n) {
      done += n;
    },
    stop() {
      clearInterval(timer);
      line();
    },
  };
}

function formatReport(kind: ImportKind, file: string, report: ImportReport, ms: number): string {
  const lines = [
    `Imported ${kind} from ${file} in ${seconds(ms)}`,
    `  accepted:   ${report.accepted}`,
    `  duplicates: ${report.duplicates}`,
    `  rejected:   ${report.rejected}`,
  ];
  if (report.rejected > 0) {
    const shown = report.errors.slice(0, SHOWN_ERRORS);
    lines.push(
      shown.length < report.rejected
        ? `Rejected rows (first ${shown.length} of ${report.rejected}):`
        : 'Rejected rows:',
    );
    for (const e of shown) lines.push(`  line ${e.line}: ${e.reason}`);
    if (shown.length < report.rejected)
      lines.push(`  … and ${report.rejected - shown.length} more rejected rows not shown`);
  }
  return `${lines.join('\n')}\n`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

runCommand(USAGE, main);
