import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { embeddedPostgresSettings, settingsArguments } from './embedded-postgres-settings';

const run = promisify(execFile);

export interface EmbeddedDatabase {
  url: string;
  /** Stops the postmaster if this process started it; a no-op when it belongs to another live process. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
  /** Where they come from, for messages: the bundled package or POSTGRES_BIN_DIR. */
  source: string;
}

export interface EmbeddedOptions {
  /**
   * A PostgreSQL installation's bin directory (initdb, pg_ctl, postgres) to run instead of the bundled binaries,
   * which are built for size (-Os) and spend about half as much CPU again on the same query work.
   */
  binDir?: string;
}

/** The oldest PostgreSQL Waymark's migrations and queries are tested on. */
const MIN_MAJOR = 15;

type Log = (message: string) => void;

/**
 * Runs PostgreSQL from the embedded-postgres binaries under `<home>/pg` so that a bare machine needs nothing
 * installed. We drive initdb/pg_ctl ourselves rather than through the library's class because the library installs
 * its own SIGINT/SIGTERM exit hook, which would stop the database before the server has drained.
 */
export async function startEmbeddedPostgres(
  home: string,
  log: Log,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const bin = await binaries(options.binDir);
  const root = path.join(home, 'pg');
  const dataDir = path.join(root, 'data');
  const major = await checkVersion(bin, dataDir);
  const ownerFile = path.join(root, 'owner.pid');
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  const runAs = await postgresUser();
  if (runAs) assertTraversable(dataDir);

  const password = readOrCreatePassword(path.join(root, 'password'));
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, password, runAs, log);

  const running = readPostmaster(dataDir);
  if (running) {
    const owner = readPid(ownerFile);
    if (owner && owner !== process.pid && isAlive(owner)) {
      log(`embedded PostgreSQL already run by process ${owner}; sharing it on port ${running.port}`);
      return { url: urlFor(running.port, password), stop: async () => undefined };
    }
    log(`stopping a stale embedded PostgreSQL (pid ${running.pid}) left by a process that is gone`);
    await pgCtl(bin, runAs, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']).catch(() =>
      killHard(running.pid),
    );
  }

  const port = await freePort();
  await pgCtl(bin, runAs, [
    'start',
    '-D',
    dataDir,
    '-w',
    '-t',
    '60',
    '-l',
    path.join(dataDir, 'postgres.log'),
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' ${settingsArguments(embeddedPostgresSettings(os.totalmem()))}`,
  ]);
  fs.writeFileSync(ownerFile, String(process.pid));
  log(
    `embedded PostgreSQL started on 127.0.0.1:${port} (data in ${dataDir}; PostgreSQL ${major}, ${bin.source})`,
  );
  await ensureDatabase(port, password);

  let stopped = false;
  return {
    url: urlFor(port, password),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pgCtl(bin, runAs, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      fs.rmSync(ownerFile, { force: true });
      log('embedded PostgreSQL stopped');
    },
  };
}

async function binaries(binDir: string | undefined): Promise<Binaries> {
  if (binDir) {
    const at = (name: string) => path.join(binDir, name);
    return {
      initdb: at('initdb'),
      pg_ctl: at('pg_ctl'),
      postgres: at('postgres'),
      source: `binaries in ${binDir}`,
    };
  }
  const pkg = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  try {
    return { ...((await import(pkg)) as Omit<Binaries, 'source'>), source: 'bundled binaries' };
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL`,
    );
  }
}

/**
 * The binaries' major version, checked against the data directory's: a data directory only opens with the major
 * version that created it, and PostgreSQL's own refusal ("database files are incompatible with server") would come
 * from deep inside pg_ctl's log.
 */
async function checkVersion(bin: Binaries, dataDir: string): Promise<number> {
  const { stdout } = await run(bin.postgres, ['--version']);
  const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1]);
  if (!major) throw new Error(`cannot tell the PostgreSQL version of ${bin.source} from "${stdout.trim()}"`);
  if (major < MIN_MAJOR)
    throw new Error(
      `POSTGRES_BIN_DIR: ${bin.source} are PostgreSQL ${major}; Waymark needs ${MIN_MAJOR} or later`,
    );
  const versionFile = path.join(dataDir, 'PG_VERSION');
  const dataMajor = fs.existsSync(versionFile) ? Number(fs.readFileSync(versionFile, 'utf8').trim()) : major;
  if (dataMajor !== major)
    throw new Error(
      `the embedded database in ${dataDir} was created by PostgreSQL ${dataMajor}, but the ${bin.source} are ` +
        `PostgreSQL ${major}: set POSTGRES_BIN_DIR to PostgreSQL ${dataMajor} binaries (unset it for the bundled ` +
        'ones), or move the data with pg_dump and pg_restore',
    );
  return major;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user, creating it if needed. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

function assertTraversable(dataDir: string): void {
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (!fs.existsSync(dir)) continue;
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `WAYMARK_HOME: the embedded PostgreSQL runs as OS user "postgres", which cannot enter ${dir}; ` +
          'choose a WAYMARK_HOME under a world-traversable directory or set DATABASE_URL',
      );
    }
  }
}

async function initialise(
  bin: Binaries,
  dataDir: string,
  password: string,
  runAs: Ids,
  log: Log,
): Promise<void> {
  log(`initialising embedded PostgreSQL in ${dataDir}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `waymark-pw-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  try {
    if (runAs) {
      fs.chownSync(dataDir, runAs.uid, runAs.gid);
      fs.chownSync(pwfile, runAs.uid, runAs.gid);
    }
    await run(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      { ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

type Ids = { uid: number; gid: number } | undefined;

async function pgCtl(bin: Binaries, runAs: Ids, args: string[]): Promise<void> {
  try {
    await run(bin.pg_ctl, args, { ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`pg_ctl ${args[0]} failed: ${(e.stderr || e.stdout || e.message).trim()}`, {
      cause: error,
    });
  }
}

function readPostmaster(dataDir: string): { pid: number; port: number } | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && isAlive(pid) ? { pid, port } : undefined;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function killHard(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function readOrCreatePassword(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, password, { mode: 0o600 });
  return password;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function urlFor(port: number, password: string, database = 'waymark'): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: urlFor(port, password, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'waymark'`);
    if (!rowCount) await client.query('CREATE DATABASE waymark');
  } finally {
    await client.end();
  }
}
