import * as fs from 'node:fs';
import * as path from 'node:path';

export type Role = 'api' | 'worker' | 'scheduler';

/** Everything Waymark reads from the environment, parsed once and checked at start-up. */
export interface AppConfig {
  /** PostgreSQL connection string; unset means "start an embedded PostgreSQL under WAYMARK_HOME/pg". */
  databaseUrl?: string;
  /** The embedded PostgreSQL: a local installation's bin directory to run instead of the bundled binaries. */
  postgresBinDir?: string;
  port: number;
  /** Seeds the first admin API key; unset on the embedded default means "generate one". */
  adminApiKey?: string;
  /** Base URL recipients' links point at (tracking, unsubscribe). */
  publicUrl: string;
  /** SMTP transport; unset means "write .eml files under WAYMARK_HOME/outbox". */
  smtpUrl?: string;
  home: string;
  roles: Role[];
  /**
   * With the api role and others in one process: run the others on a thread of their own (own event loop). Off by
   * default: on two cores it made single /v1/track calls slower (see README), so it is for machines with spare cores.
   */
  workerThread: boolean;
  /** Largest JSON body accepted by the API, in bytes. */
  bodyLimitBytes: number;
  /**
   * How long an idle keep-alive connection stays open, in ms. Longer than the idle timeout of the clients and load
   * balancers in front (commonly 60 s): whichever side closes first races the other's next request, and the request
   * that loses fails with ECONNRESET. Node's own default is 5 s.
   */
  keepAliveTimeoutMs: number;
  /** Largest CSV import accepted, in bytes. */
  importLimitBytes: number;
  dbPoolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Messaging: SMTP messages per second per process (0 = no limit). */
  smtpRate: number;
  /** Messaging: at most `max` marketing emails per customer per rolling `windowMs`. */
  frequencyCap: { max: number; windowMs: number };
  /** Messaging: local quiet hours as minutes of the day [start, end), or null when off. */
  quietHours: { start: number; end: number } | null;
  /** Journeys: how often workers look for runs whose timer came due, in ms (new work also wakes them at once). */
  journeyPollMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const ROLES: Role[] = ['api', 'worker', 'scheduler'];
const POSTGRES_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  // Only the embedded database runs binaries; with DATABASE_URL there is nothing to run them for.
  const binDirText = databaseUrl ? undefined : str('POSTGRES_BIN_DIR');
  const postgresBinDir = binDirText === undefined ? undefined : path.resolve(binDirText);
  if (postgresBinDir) {
    const missing = POSTGRES_PROGRAMS.filter((p) => !isExecutable(path.join(postgresBinDir, p)));
    if (missing.length)
      problems.push(
        `POSTGRES_BIN_DIR must hold PostgreSQL's ${missing.join(', ')} (not found in ${postgresBinDir})`,
      );
  }

  const portText = str('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    problems.push(`PORT must be an integer between 0 and 65535 (got "${portText}")`);
  }

  const adminApiKey = str('ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    problems.push('ADMIN_API_KEY must be at least 16 characters long');
  }

  const publicUrl = (str('PUBLIC_URL') ?? `http://localhost:${Number.isInteger(port) ? port : 3000}`).replace(
    /\/+$/,
    '',
  );
  if (!isHttpUrl(publicUrl)) problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);

  const smtpUrl = str('SMTP_URL');
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) problems.push('SMTP_URL must be an smtp:// or smtps:// URL');

  const home = path.resolve(str('WAYMARK_HOME') ?? './.waymark');

  const rolesText = str('WAYMARK_ROLES') ?? 'api,worker,scheduler';
  const roles = rolesText.split(',').map((r) => r.trim()) as Role[];
  const unknownRoles = roles.filter((r) => !ROLES.includes(r));
  if (unknownRoles.length)
    problems.push(
      `WAYMARK_ROLES has unknown roles: ${unknownRoles.join(', ')} (allowed: ${ROLES.join(', ')})`,
    );

  const threadText = (str('WORKER_THREAD') ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(threadText))
    problems.push(`WORKER_THREAD must be true or false (got "${threadText}")`);
  const workerThread = threadText === 'true';

  const bodyLimitBytes = size('BODY_LIMIT', str('BODY_LIMIT') ?? '5mb', problems);
  const importLimitBytes = size('IMPORT_LIMIT', str('IMPORT_LIMIT') ?? '2gb', problems);

  const keepAliveText = str('HTTP_KEEP_ALIVE_TIMEOUT') ?? '65';
  const keepAliveSeconds = Number(keepAliveText);
  if (!/^\d+$/.test(keepAliveText) || keepAliveSeconds < 1 || keepAliveSeconds > 3600)
    problems.push(
      `HTTP_KEEP_ALIVE_TIMEOUT must be a whole number of seconds from 1 to 3600 (got "${keepAliveText}")`,
    );

  const poolText = str('DB_POOL_SIZE') ?? '20';
  const dbPoolSize = Number(poolText);
  if (!/^\d+$/.test(poolText) || dbPoolSize < 1 || dbPoolSize > 500) {
    problems.push(`DB_POOL_SIZE must be an integer between 1 and 500 (got "${poolText}")`);
  }

  const logLevel = (str('LOG_LEVEL') ?? 'info') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const smtpRateText = str('SMTP_RATE') ?? '0';
  const smtpRate = Number(smtpRateText);
  if (!/^\d+$/.test(smtpRateText))
    problems.push(`SMTP_RATE must be a whole number of messages per second (got "${smtpRateText}")`);

  const capText = str('FREQUENCY_CAP') ?? '3/7d';
  const cap = /^(\d+)\/(\d+)(h|d)$/.exec(capText);
  if (!cap) problems.push(`FREQUENCY_CAP must look like 3/7d or 2/24h (got "${capText}")`);
  const frequencyCap = cap
    ? { max: Number(cap[1]), windowMs: Number(cap[2]) * (cap[3] === 'h' ? 3_600_000 : 86_400_000) }
    : { max: 0, windowMs: 0 };

  const quietText = str('QUIET_HOURS') ?? '21:00-08:00';
  const quiet = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(quietText);
  if (!quiet && quietText !== 'off')
    problems.push(`QUIET_HOURS must look like 21:00-08:00 or be off (got "${quietText}")`);
  const quietHours = quiet
    ? { start: Number(quiet[1]) * 60 + Number(quiet[2]), end: Number(quiet[3]) * 60 + Number(quiet[4]) }
    : null;

  const pollText = str('JOURNEY_POLL_MS') ?? '1000';
  const journeyPollMs = Number(pollText);
  if (!/^\d+$/.test(pollText) || journeyPollMs < 50 || journeyPollMs > 3_600_000)
    problems.push(
      `JOURNEY_POLL_MS must be a whole number of milliseconds from 50 to 3600000 (got "${pollText}")`,
    );

  if (problems.length) throw new ConfigError(problems);
  return {
    journeyPollMs,
    smtpRate,
    frequencyCap,
    quietHours,
    databaseUrl,
    postgresBinDir,
    port,
    adminApiKey,
    publicUrl,
    smtpUrl,
    home,
    roles,
    workerThread,
    bodyLimitBytes,
    keepAliveTimeoutMs: keepAliveSeconds * 1000,
    importLimitBytes,
    dbPoolSize,
    logLevel,
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function size(name: string, text: string, problems: string[]): number {
  const m = SIZE.exec(text);
  if (!m) {
    problems.push(`${name} must be a size such as 512kb, 5mb or 2gb (got "${text}")`);
    return 0;
  }
  return Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()];
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
