import * as fs from 'node:fs';
import { query } from './postgres';

/**
 * CPU seconds a process has used so far (user + system), read from /proc; undefined where that is not readable
 * (not Linux, or PostgreSQL on another host). Used to split a phase's cost between the server and PostgreSQL,
 * which on a shared machine says more than the wall-clock rate.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux build that matters here.
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** The backends serving this database now (the server's pool), other than the one asking. */
export async function backendPids(url: string): Promise<number[]> {
  const { rows } = await query(url, (c) =>
    c.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    ),
  );
  return rows.map((r) => r.pid);
}

/**
 * CPU used by some processes over a phase. PostgreSQL backends can come and go, so each pid is read at the start
 * and the end and one that was not there at the start counts from zero; undefined when nothing was readable.
 */
export async function measureCpu(pids: () => Promise<number[]>) {
  const before = new Map<number, number>();
  for (const pid of await pids()) before.set(pid, processCpuSeconds(pid) ?? NaN);
  return async (): Promise<number | undefined> => {
    let total = 0;
    let readable = false;
    const now = new Set([...before.keys(), ...(await pids())]);
    for (const pid of now) {
      const end = processCpuSeconds(pid);
      const start = before.get(pid) ?? 0;
      if (end === undefined || Number.isNaN(start)) continue;
      total += end - start;
      readable = true;
    }
    return readable ? total : undefined;
  };
}
