import type { FastifyInstance } from 'fastify';
import type { FieldProblem } from '../errors/app.exception';
import { CommonException } from '../errors/common.exception';
import { NUL_PROBLEM, storableTextProblem } from '../text/storable-text';
import { toErrorBody } from './error-body';

/** Enough to name the problem; a body full of them needs no full inventory. */
const MAX_PROBLEMS = 20;

/**
 * Text PostgreSQL cannot store (see storableTextProblem) used to fail deep inside a query as a 500, or to be stored
 * as another string. It is refused here, before any route runs, with a 400 naming where it is: in the path, the
 * query string or the JSON body. Routes matching `ownBodyCheck` validate their bodies themselves (the Segment
 * ingestion endpoints, which answer in their own error format) and only get the URL checked.
 */
export function rejectUnstorableText(instance: FastifyInstance, ownBodyCheck: RegExp): void {
  instance.addHook('preHandler', (req, reply, done) => {
    const problems: FieldProblem[] = [];
    const path = req.url.split('?', 1)[0];
    // A lone surrogate cannot come from the path: it has no UTF-8 encoding, and a path that does not decode is a 400.
    if (/%00/i.test(path) || path.includes('\u0000')) problems.push({ path: 'path', message: NUL_PROBLEM });
    findUnstorable(req.query, 'query', problems);
    if (!ownBodyCheck.test(path)) findUnstorable(req.body, '', problems);
    if (!problems.length) return done();
    const { body } = toErrorBody(CommonException.validation(problems));
    void reply.status(body.statusCode).send({ ...body, requestId: req.id });
  });
}

/** Iterative, so a deeply nested body cannot overflow the stack. Body paths read as in other validation errors. */
function findUnstorable(root: unknown, rootPath: string, problems: FieldProblem[]): void {
  const join = (at: string, key: string) => (at ? `${at}.${key}` : key);
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length && problems.length < MAX_PROBLEMS) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      const message = storableTextProblem(value);
      if (message) problems.push({ path: at || 'body', message });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${at}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const message = storableTextProblem(key);
        if (message) problems.push({ path: `${at || 'body'} (a key)`, message });
        stack.push([child, join(at, key)]);
      }
    }
  }
}
