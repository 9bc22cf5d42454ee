import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has defaults for a bare machine', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: undefined,
      port: 3000,
      publicUrl: 'http://localhost:3000',
      roles: ['api', 'worker', 'scheduler'],
      workerThread: false,
    });
    expect(c.home).toBe(path.resolve('.waymark'));
    expect(c.bodyLimitBytes).toBe(5 * 1024 * 1024);
    expect(c.keepAliveTimeoutMs).toBe(65_000);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/w',
      PORT: '8080',
      ADMIN_API_KEY: 'k'.repeat(20),
      PUBLIC_URL: 'https://mail.example.com/',
      SMTP_URL: 'smtp://relay:25',
      WAYMARK_HOME: '/var/lib/waymark',
      WAYMARK_ROLES: 'worker',
      BODY_LIMIT: '512kb',
      DB_POOL_SIZE: '7',
      WORKER_THREAD: 'True',
      HTTP_KEEP_ALIVE_TIMEOUT: '120',
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/w',
      port: 8080,
      publicUrl: 'https://mail.example.com',
      smtpUrl: 'smtp://relay:25',
      home: '/var/lib/waymark',
      roles: ['worker'],
      bodyLimitBytes: 512 * 1024,
      dbPoolSize: 7,
      workerThread: true,
      keepAliveTimeoutMs: 120_000,
    });
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['ADMIN_API_KEY', { ADMIN_API_KEY: 'short' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://x' }],
    ['SMTP_URL', { SMTP_URL: 'http://x' }],
    ['WAYMARK_ROLES', { WAYMARK_ROLES: 'api,cook' }],
    ['BODY_LIMIT', { BODY_LIMIT: 'lots' }],
    ['DB_POOL_SIZE', { DB_POOL_SIZE: '0' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['WORKER_THREAD', { WORKER_THREAD: 'yes' }],
    ['HTTP_KEEP_ALIVE_TIMEOUT', { HTTP_KEEP_ALIVE_TIMEOUT: '0' }],
    ['HTTP_KEEP_ALIVE_TIMEOUT', { HTTP_KEEP_ALIVE_TIMEOUT: '2.5' }],
  ])('a wrong %s stops start-up with a message naming it', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('reports every wrong variable at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  describe('POSTGRES_BIN_DIR', () => {
    const made: string[] = [];
    const binDir = (programs: string[]) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bin-'));
      made.push(dir);
      for (const p of programs) fs.writeFileSync(path.join(dir, p), '#!/bin/sh\n', { mode: 0o755 });
      return dir;
    };
    afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it('names a directory holding initdb, pg_ctl and postgres for the embedded database', () => {
      const dir = binDir(['initdb', 'pg_ctl', 'postgres']);
      expect(loadConfig({ POSTGRES_BIN_DIR: dir }).postgresBinDir).toBe(dir);
      expect(loadConfig({}).postgresBinDir).toBeUndefined();
    });

    it('lists the programs it lacks', () => {
      const dir = binDir(['initdb']);
      expect(() => loadConfig({ POSTGRES_BIN_DIR: dir })).toThrow(
        /POSTGRES_BIN_DIR must hold PostgreSQL's pg_ctl, postgres/,
      );
      fs.chmodSync(path.join(dir, 'initdb'), 0o644);
      expect(() => loadConfig({ POSTGRES_BIN_DIR: dir })).toThrow(/initdb, pg_ctl, postgres/);
    });

    it('is ignored next to DATABASE_URL, which leaves no embedded database to run it', () => {
      const c = loadConfig({ POSTGRES_BIN_DIR: binDir([]), DATABASE_URL: 'postgres://db/w' });
      expect(c.postgresBinDir).toBeUndefined();
    });
  });
});
