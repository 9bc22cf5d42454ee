import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __waymarkEmbedded?: EmbeddedDatabase }).__waymarkEmbedded?.stop();
}
