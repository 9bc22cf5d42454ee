import * as http from 'node:http';

export interface Reply {
  status: number;
  body: string;
  /** Wall time from the call to the last byte of the response, in ms. */
  ms: number;
}

/**
 * A bare node:http POST: no client library between the benchmark and the socket, so what is measured is the
 * server. The caller's keep-alive agent decides how many connections there are.
 */
export function postJson(
  agent: http.Agent,
  base: URL,
  path: string,
  key: string,
  body: Buffer,
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${key}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
