import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/config';
import { cloneTemplate, dropDatabase } from './database';

export interface TestApp {
  app: NestFastifyApplication;
  db: DataSource;
  adminKey: string;
  config: AppConfig;
  http: () => ReturnType<typeof request>;
  /** Creates a key of that role through the API and returns its secret. */
  keyFor(role: 'admin' | 'ingest' | 'read'): Promise<string>;
  close(): Promise<void>;
}

/** A real server on a fresh database cloned from the migrated template: one per test file. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const serverUrl = process.env.WAYMARK_TEST_DATABASE_URL!;
  const name = `waymark_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await cloneTemplate(serverUrl, name);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-home-'));
  const adminKey = `test-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: adminKey,
    WAYMARK_HOME: home,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '5',
    ...env,
  });
  const app = await createApp(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = app.get(DataSource);
  const server = app.getHttpServer();
  return {
    app,
    db,
    adminKey,
    config,
    http: () => request(server),
    async keyFor(role) {
      const res = await request(server)
        .post('/v1/api-keys')
        .set('Authorization', `Bearer ${adminKey}`)
        .send({ name: `${role} key`, role });
      if (res.status !== 201)
        throw new Error(`could not create a ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key as string;
    },
    async close() {
      await app.close();
      await dropDatabase(serverUrl, name);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
