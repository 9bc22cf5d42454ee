import { buildTemplate, testServerUrl } from './database';

export default async function globalSetup(): Promise<void> {
  const { url, embedded } = await testServerUrl();
  await buildTemplate(url);
  process.env.WAYMARK_TEST_DATABASE_URL = url;
  (globalThis as { __waymarkEmbedded?: unknown }).__waymarkEmbedded = embedded;
}
