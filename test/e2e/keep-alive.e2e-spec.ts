import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestApp, TestApp } from '../setup/test-app';

const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw connection, so that no client-side idle timer (Node's agent follows the server's Keep-Alive hint) closes it
 * first: load balancers in front of the server keep connections by their own timeout and never read that hint.
 */
class Connection {
  private received = '';
  readonly ended: Promise<void>;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.ended = new Promise((resolve, reject) => {
      this.socket.once('end', resolve);
      this.socket.once('error', reject);
    });
  }

  async health(): Promise<string> {
    const before = this.received.length;
    this.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    while (!/\r\n\r\n[\s\S]*\}/.test(this.received.slice(before))) await idle(10);
    return this.received.slice(before);
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('HTTP keep-alive: idle connections stay open for HTTP_KEEP_ALIVE_TIMEOUT', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ HTTP_KEEP_ALIVE_TIMEOUT: '1' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('keeps an idle connection open for the configured time, then the server closes it', async () => {
    const connection = new Connection(port);
    let ended = false;
    void connection.ended.then(() => (ended = true));
    try {
      expect(await connection.health()).toMatch(/^HTTP\/1\.1 200 [\s\S]*Keep-Alive: timeout=1/i);
      await idle(300);
      expect(ended).toBe(false);
      expect(await connection.health()).toMatch(/^HTTP\/1\.1 200 /);
      // The server, not the test, ends the idle connection (the header above shows which timeout it applies).
      await connection.ended;
    } finally {
      connection.close();
    }
  });
});
