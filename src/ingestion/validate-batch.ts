import type { FieldProblem } from '../common/errors/app.exception';
import type { IncomingMessage, MessageType } from './message';
import { LIMITS, validateMessage } from './validate-message';

/** A single call (`/v1/track` …) or a batch: every problem is reported, and nothing is stored unless all are valid. */
export function validateSingle(body: unknown, type: MessageType, receivedAt: Date) {
  const problems: FieldProblem[] = [];
  const raw = isObject(body) ? { ...body, type } : body;
  const message = validateMessage(raw, '', receivedAt, {}, problems);
  return { messages: message ? [message] : [], problems };
}

export function validateBatch(body: unknown, receivedAt: Date) {
  const problems: FieldProblem[] = [];
  const messages: IncomingMessage[] = [];
  if (!isObject(body) || !Array.isArray(body.batch)) {
    problems.push({ path: 'batch', message: 'must be an array of messages' });
    return { messages, problems };
  }
  if (body.batch.length > LIMITS.batchSize) {
    problems.push({ path: 'batch', message: `must hold at most ${LIMITS.batchSize} messages` });
    return { messages, problems };
  }
  body.batch.forEach((raw: unknown, i: number) => {
    const m = validateMessage(
      raw,
      `batch[${i}]`,
      receivedAt,
      { sentAt: body.sentAt, context: body.context },
      problems,
    );
    if (m) messages.push(m);
  });
  return { messages, problems };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
