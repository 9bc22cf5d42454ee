import * as http from 'node:http';
import { postJson } from './http';
import { batchCount, makeBatch, makeTrack, Workload } from './payloads';
import type { RunningServer } from './server';

export interface BatchResult {
  seconds: number;
  /** Per-batch latency in ms, by batch index; NaN for a batch that got no answer or was never sent. */
  latencies: Float64Array;
  /** Sum of `stored` over the 200 answers. */
  stored: number;
  failures: string[];
  /** CPU this process spent generating and sending: on a small machine it is taken from the server. */
  clientCpuSeconds: number;
}

/** Stop early rather than hammer a broken server with a million doomed requests. */
const MAX_FAILURES = 20;

/**
 * Closed loop: each of `clients` keep-alive connections sends its next batch as soon as the previous one is
 * answered, like Segment clients flushing a backlog; the server's throughput is what comes out.
 */
export async function sendBatches(
  server: RunningServer,
  w: Workload,
  clients: number,
  log: (line: string) => void,
): Promise<BatchResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const total = batchCount(w);
  const latencies = new Float64Array(total).fill(NaN);
  const failures: string[] = [];
  let next = 0;
  let stored = 0;
  // Generated and serialised before the clock starts (about 55 KB a batch): the client shares the cores with the
  // server, and its CPU is not what is measured. Only sentAt is written at send time, as a Segment client does.
  log(`  generating ${total.toLocaleString('en-US')} batches`);
  const batches = Array.from({ length: total }, (_, b) => Buffer.from(JSON.stringify(makeBatch(w, b))));
  const head = Buffer.from('{"sentAt":"');
  const middle = Buffer.from('","batch":');
  const tail = Buffer.from('}');
  const started = performance.now();
  const cpu = process.cpuUsage();
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    log(
      `  ${stored.toLocaleString('en-US')} events stored in ${s.toFixed(0)} s (${Math.round(stored / s)}/s)`,
    );
  }, 10_000);
  const client = async () => {
    while (next < total && failures.length < MAX_FAILURES) {
      const b = next++;
      const body = Buffer.concat([head, Buffer.from(new Date().toISOString()), middle, batches[b], tail]);
      try {
        const reply = await postJson(agent, server.base, '/v1/batch', server.key, body);
        if (reply.status === 200) {
          latencies[b] = reply.ms;
          stored += (JSON.parse(reply.body) as { stored: number }).stored;
        } else failures.push(`batch ${b}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
      } catch (error) {
        failures.push(`batch ${b}: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    clearInterval(progress);
    agent.destroy();
  }
  const { user, system } = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - started) / 1000,
    latencies,
    stored,
    failures,
    clientCpuSeconds: (user + system) / 1e6,
  };
}

/** Sends chosen batches again, unchanged: the server must store nothing new (idempotency on messageId). */
export async function replayBatches(server: RunningServer, w: Workload, indexes: number[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let stored = 0;
  const failures: string[] = [];
  try {
    for (const b of indexes) {
      const body = Buffer.from(JSON.stringify({ batch: makeBatch(w, b), sentAt: new Date().toISOString() }));
      const reply = await postJson(agent, server.base, '/v1/batch', server.key, body);
      if (reply.status === 200) stored += (JSON.parse(reply.body) as { stored: number }).stored;
      else failures.push(`replay of batch ${b}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
    }
  } finally {
    agent.destroy();
  }
  return { stored, failures };
}

export interface TrackResult {
  sent: number;
  ok: number;
  failures: string[];
  /** Latency from each request's scheduled start, in ms, in the order they finished. */
  latencies: number[];
  /** The latency of each call answered 200, by scheduled order (NaN for a call that failed or got another status). */
  byStart: number[];
  achievedRps: number;
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate whatever happened to earlier ones, and its
 * latency counts from that due time, so a stalled server shows up as latency instead of as fewer requests
 * (no coordinated omission).
 */
export async function trackAtRate(
  server: RunningServer,
  w: Workload,
  rate: number,
  seconds: number,
): Promise<TrackResult> {
  // Enough sockets that requests never queue in the client: a queue there would be our latency, not the server's.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const byStart = new Array<number>(total).fill(NaN);
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  let ok = 0;
  let lastEnd = 0;
  const start = performance.now() + 20;
  const fire = (i: number, due: number) =>
    postJson(agent, server.base, '/v1/track', server.key, Buffer.from(JSON.stringify(makeTrack(w, i)))).then(
      (reply) => {
        lastEnd = performance.now();
        latencies.push(lastEnd - due);
        if (reply.status === 200) {
          ok++;
          byStart[i] = lastEnd - due;
        } else failures.push(`track ${i}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
      },
      (error: Error) => void failures.push(`track ${i}: ${error.message}`),
    );
  let i = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      for (; i < total && start + i * interval <= now; i++) inFlight.push(fire(i, start + i * interval));
      if (i < total) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
      else done();
    };
    setTimeout(tick, 20);
  });
  await Promise.all(inFlight);
  agent.destroy();
  return { sent: total, ok, failures, latencies, byStart, achievedRps: ok / ((lastEnd - start) / 1000) };
}
