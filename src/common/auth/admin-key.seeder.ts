import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.token';
import { LOGGER } from '../logging/logger.token';
import { ApiKeysService } from './api-keys.service';

const SEED_LOCK = 7_236_002;

/**
 * Makes sure someone can administer the server: ADMIN_API_KEY becomes an admin key; without it, a server with no
 * admin key generates one, writes it to $WAYMARK_HOME/admin-key (mode 600) and prints it once.
 */
@Injectable()
export class AdminKeySeeder implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Several processes may start at once: only one of them seeds.
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      if (this.config.adminApiKey) {
        if (!(await this.apiKeys.exists(this.config.adminApiKey))) {
          await this.apiKeys.create('admin (ADMIN_API_KEY)', 'admin', this.config.adminApiKey);
          this.logger.info('admin API key from ADMIN_API_KEY registered');
        }
        return;
      }
      if (await this.apiKeys.hasActiveAdmin()) return;
      const { key } = await this.apiKeys.create('admin (generated at first start)', 'admin');
      const file = path.join(this.config.home, 'admin-key');
      fs.mkdirSync(this.config.home, { recursive: true });
      fs.writeFileSync(file, key + '\n', { mode: 0o600 });
      // Printed on stderr in plain text once, outside the JSON log, so it is read by a person and not shipped.
      process.stderr.write(`\nWaymark admin API key (also saved to ${file}):\n\n  ${key}\n\n`);
    });
  }
}
