import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { dropDatabase, templateName } from './database';

export default async function globalTeardown(): Promise<void> {
  const url = process.env.WAYMARK_TEST_DATABASE_URL;
  if (url) await dropDatabase(url, templateName());
  await (globalThis as { __waymarkEmbedded?: EmbeddedDatabase }).__waymarkEmbedded?.stop();
}
