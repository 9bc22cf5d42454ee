import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, MAIN, ROOT } from '../setup/child-server';

/**
 * The real server as a user runs it: `node dist/src/main.js` with no DATABASE_URL, so it initialises, starts,
 * shares and stops its own embedded PostgreSQL under a fresh WAYMARK_HOME.
 */
jest.setTimeout(120_000);

const IMPORT = path.join(ROOT, 'dist/src/cli/import.js');
const MIGRATE = path.join(ROOT, 'dist/src/cli/migrate.js');
const FIXTURE = path.join(ROOT, 'test/fixtures/customers-one-bad-row.csv');

/** Runs a command-line tool on the same WAYMARK_HOME, without DATABASE_URL. */
function cli(
  script: string,
  args: string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WAYMARK_HOME: home };
  for (const name of ['DATABASE_URL', 'ADMIN_API_KEY', 'LOG_LEVEL']) delete env[name];
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: ROOT, env, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

/** A zombie (exited, not yet reaped by its parent or init) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** pg_ctl stop returns once postmaster.pid is removed, a moment before the postmaster has exited. */
async function gone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50))
    if (!isAlive(pid)) return true;
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes whose command line names this data directory (the postmaster and its children). */
function postgresProcessesFor(dataDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

class Server {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const name of ['DATABASE_URL', 'ADMIN_API_KEY', 'WAYMARK_TEST_DATABASE_URL', 'WAYMARK_ROLES'])
      delete childEnv[name];
    this.child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
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
  async healthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited before it was healthy\n${this.output()}`);
      try {
        const res = await fetch(this.url('/health'));
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`server not healthy after ${timeoutMs} ms\n${this.output()}`);
  }

  async stop(signal: NodeJS.Signals, timeoutMs = 60_000) {
    this.child.kill(signal);
    const timer = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no exit ${timeoutMs} ms after ${signal}\n${this.output()}`)),
        timeoutMs,
      ).unref(),
    );
    return Promise.race([this.exited, timer]);
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }

  /** The structured log lines (JSON on stdout). */
  logs(): { msg?: string; [key: string]: unknown }[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  }
}

describe('the server process with its embedded PostgreSQL', () => {
  let home: string;
  let dataDir: string;
  let port: number;
  const servers: Server[] = [];
  let server: Server | undefined;
  let key: string;
  const start = (env: Record<string, string> = {}) => {
    server = new Server(port, { PORT: String(port), WAYMARK_HOME: home, LOG_LEVEL: 'info', ...env });
    servers.push(server);
    return server;
  };
  const api = (p: string, init: RequestInit = {}) =>
    fetch(server!.url(p), {
      ...init,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...init.headers },
    });

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
    // Under os.tmpdir() and world-traversable: as root the embedded PostgreSQL runs as the OS user "postgres".
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-server-'));
    fs.chmodSync(home, 0o755);
    dataDir = path.join(home, 'pg', 'data');
    port = await freePort();
  });

  afterAll(async () => {
    for (const s of servers) if (s.running) await s.stop('SIGKILL').catch(() => undefined);
    // A postmaster left by a failed test: stop it, it is ours.
    for (const pid of postgresProcessesFor(dataDir)) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 50 && postgresProcessesFor(dataDir).length; i++)
      await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('first start: initialises the database, generates an admin key (mode 600) that works, stores data', async () => {
    const s = start();
    await s.healthy();
    const health = await (await fetch(s.url('/health'))).json();
    expect(health).toMatchObject({ status: 'ok', database: { status: 'up' } });

    const keyFile = path.join(home, 'admin-key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    key = fs.readFileSync(keyFile, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(s.stderr).toContain(`Waymark admin API key (also saved to ${keyFile})`);
    expect(s.stderr).toContain(key);
    expect(s.stdout).not.toContain(key); // never in the JSON log

    expect(
      (await fetch(s.url('/v1/customers'), { headers: { Authorization: 'Bearer wm_wrong' } })).status,
    ).toBe(401);
    const identify = await api('/v1/identify', {
      method: 'POST',
      body: JSON.stringify({ userId: 'survivor', traits: { email: 'survivor@example.com', plan: 'pro' } }),
    });
    expect(identify.status).toBe(200);
    expect(postgresProcessesFor(dataDir).length).toBeGreaterThan(0);
  });

  it('SIGTERM: exits 0 and stops its PostgreSQL', async () => {
    const postmaster = postmasterPid(dataDir)!;
    expect(isAlive(postmaster)).toBe(true);
    const exit = await server!.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await gone(postmaster)).toBe(true);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it('restart: the data survives and no new admin key is generated', async () => {
    const keyFile = path.join(home, 'admin-key');
    const keyStat = fs.statSync(keyFile);
    const s = start();
    await s.healthy();
    const res = await api('/v1/customers/survivor');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: 'survivor@example.com', traits: { plan: 'pro' } });
    expect(s.stderr).not.toContain('Waymark admin API key');
    expect(fs.readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(fs.statSync(keyFile).mtimeMs).toBe(keyStat.mtimeMs);
    expect(s.logs().some((l) => String(l.msg).startsWith('initialising embedded PostgreSQL'))).toBe(false);
  });

  it("the import CLI shares the running server's database and leaves it running", async () => {
    const postmaster = postmasterPid(dataDir)!;
    const r = await cli(IMPORT, ['customers', FIXTURE], home);
    expect(r.code).toBe(1); // the fixture has one bad row
    expect(r.stderr).toContain(`embedded PostgreSQL already run by process ${server!.child.pid}; sharing it`);
    expect(r.stdout).toContain('  accepted:   2\n');
    expect(isAlive(postmaster)).toBe(true);
    expect(postmasterPid(dataDir)).toBe(postmaster);
    const res = await api('/v1/customers/cli-cat');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: 'cat@example.com', traits: { seats: 12 } });
  });

  it('SIGKILL leaves the postmaster behind; the next start stops it, starts afresh, and the data is there', async () => {
    const stale = postmasterPid(dataDir)!;
    const exit = await server!.stop('SIGKILL');
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(stale)).toBe(true); // the precondition this test is about

    const s = start();
    await s.healthy();
    expect(s.logs().map((l) => l.msg)).toContainEqual(
      expect.stringContaining(`stopping a stale embedded PostgreSQL (pid ${stale})`),
    );
    expect(await gone(stale)).toBe(true);
    const fresh = postmasterPid(dataDir)!;
    expect(fresh).not.toBe(stale);
    expect(isAlive(fresh)).toBe(true);

    const res = await api('/v1/customers/survivor');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: 'survivor@example.com' });

    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });

  it('with no server running, a CLI starts the embedded database itself and stops it when done', async () => {
    expect(postgresProcessesFor(dataDir)).toEqual([]);
    const r = await cli(MIGRATE, [], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No pending migrations: the database is up to date.\n');
    expect(r.stderr).toContain('embedded PostgreSQL started');
    expect(r.stderr).toContain('embedded PostgreSQL stopped');
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });

  it.each([
    ['PORT', { PORT: 'abc' }, 'PORT must be an integer'],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    ['IMPORT_LIMIT', { IMPORT_LIMIT: 'lots' }, 'IMPORT_LIMIT must be a size'],
  ])('a bad %s exits non-zero naming it, before starting anything', async (_name, env, message) => {
    const otherHome = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-badconfig-'));
    try {
      const s = start({ WAYMARK_HOME: otherHome, ...env });
      const exit = await s.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(s.stderr).toContain(message);
      expect(fs.existsSync(path.join(otherHome, 'pg'))).toBe(false);
    } finally {
      fs.rmSync(otherHome, { recursive: true, force: true });
    }
  });
});
