const MB = 1024 * 1024;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Server settings for the embedded PostgreSQL, sized to the machine. PostgreSQL's own defaults (128 MB of shared
 * buffers, 4 GB assumed cache) are meant for a server that shares a small machine with anything; the embedded one is
 * Waymark's own database, so it takes a quarter of the memory for its buffers (at most 2 GB), the usual rule for a
 * dedicated server. With 128 MB the customers table of a million profiles and its key index no longer fit, and a
 * full segment refresh read them from the OS cache page by page. More WAL between checkpoints spares bulk imports
 * the full-page images a forced checkpoint brings. Returned as `-c name=value` arguments for `postgres`.
 */
export function embeddedPostgresSettings(totalMemoryBytes: number): Record<string, string> {
  const mb = (bytes: number) => `${Math.floor(bytes / MB)}MB`;
  return {
    shared_buffers: mb(clamp(totalMemoryBytes / 4, 128 * MB, 2048 * MB)),
    effective_cache_size: mb(clamp(totalMemoryBytes / 2, 512 * MB, 16384 * MB)),
    maintenance_work_mem: mb(clamp(totalMemoryBytes / 32, 64 * MB, 512 * MB)),
    max_wal_size: '2GB',
  };
}

export function settingsArguments(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}
