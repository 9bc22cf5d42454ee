import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { CommonErrorCode, CommonException } from '../errors/common.exception';

const DECODERS: Record<string, (raw: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * Request bodies. JSON (`application/json` in UTF-8, optionally gzip-, deflate- or brotli-encoded as some Segment
 * libraries send it) is parsed up to `limitBytes` once decoded, and must be an object or an array; an empty body
 * reads as `{}`. Bodies on `streamedPrefix` routes (CSV imports) and of every other content type are left unread:
 * imports stream their own and check its type, other routes take none (a form-encoded one-click unsubscribe, say),
 * and Node discards what is left once the response is sent.
 */
export function registerBodyParsers(
  instance: FastifyInstance,
  limitBytes: number,
  streamedPrefix: string,
): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('application/json', (req, payload, done) => {
    if (req.url.startsWith(streamedPrefix)) return done(null, undefined);
    readJson(req, payload, limitBytes).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
  instance.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}

async function readJson(req: FastifyRequest, payload: Readable, limit: number): Promise<unknown> {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i
    .exec(req.headers['content-type'] ?? '')?.[1]
    .toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    throw new CommonException(
      CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Unsupported charset "${charset}": send JSON in UTF-8`,
    );
  const encoding = (req.headers['content-encoding'] || 'identity').trim().toLowerCase();
  const decoder = DECODERS[encoding];
  if (!decoder && encoding !== 'identity')
    throw new CommonException(
      CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Unsupported content encoding "${encoding}" (use gzip, deflate, br or none)`,
    );
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
  const raw = await readAll(payload, limit);
  let decoded = raw;
  if (decoder) {
    try {
      // Asynchronous, on the thread pool: a large compressed batch does not hold up other requests.
      decoded = await decoder(raw, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
      throw malformed(`Request body is not valid ${encoding} data`);
    }
  }
  // A byte-order mark is allowed before UTF-8 JSON (RFC 8259 says to ignore it).
  const text = decoded.toString('utf8').replace(/^\uFEFF/, '');
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw malformed('Request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object')
    throw malformed('Request body must be a JSON object or array');
  return body;
}

function readAll(payload: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop collecting; the rest is discarded once the 413 is sent.
      payload.off('data', onData);
      payload.resume();
      reject(tooLarge(limit));
    };
    payload.on('data', onData);
    payload.on('end', () => resolve(Buffer.concat(chunks, size)));
    // The client went away mid-body: its request, not our bug (and nobody is left to read the answer).
    payload.on('error', () =>
      reject(new CommonException(CommonErrorCode.VALIDATION_FAILED, 'Request was aborted')),
    );
  });
}

const tooLarge = (limit: number) =>
  new CommonException(CommonErrorCode.PAYLOAD_TOO_LARGE, `Request body is too large (limit ${limit} bytes)`);

const malformed = (message: string) => new CommonException(CommonErrorCode.MALFORMED_JSON, message);
