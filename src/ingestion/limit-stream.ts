import { Readable, Transform } from 'node:stream';
import { IngestionErrorCode, IngestionException } from './ingestion.exception';

/** Passes a stream through, failing it once more than `limit` bytes went by (for uploads without Content-Length). */
export function limitStream(input: Readable, limit: number): Readable {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit)
        done(
          new IngestionException(
            IngestionErrorCode.IMPORT_TOO_LARGE,
            `CSV file too large (limit ${limit} bytes)`,
          ),
        );
      else done(null, chunk);
    },
  });
  input.on('error', (error) => guard.destroy(error));
  return input.pipe(guard);
}
