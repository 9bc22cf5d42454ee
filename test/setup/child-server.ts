import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const MAIN = path.join(ROOT, 'dist/src/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `node dist/src/main.js` as a child process with exactly the environment given (plus PATH/HOME): the test decides
 * DATABASE_URL, roles and everything else, nothing leaks in from the test runner's environment.
 */
export class ChildServer {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
    this.child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Keep only the tail: a long run at LOG_LEVEL=warn writes little, but never grow without bound.
    const keep = (s: string) => (s.length > 64_000 ? s.slice(-32_000) : s);
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout = keep(this.stdout + c)));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr = keep(this.stderr + c)));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  /** Resolves when /health answers 200; fails with the server's output when it exits or takes too long. */
  async healthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited before it was healthy\n${this.output()}`);
      try {
        const res = await fetch(this.url('/health'));
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`server not healthy after ${timeoutMs} ms\n${this.output()}`);
  }

  async stop(signal: NodeJS.Signals, timeoutMs = 30_000) {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no exit ${timeoutMs} ms after ${signal}\n${this.output()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }

  /** The structured log lines (JSON on stdout) kept so far; the kept tail may begin inside a line, skipped. */
  logs(): { msg?: string; [key: string]: unknown }[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{') && l.endsWith('}'))
      .map((l) => JSON.parse(l));
  }
}
