import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ChildServer, freePort, sleep } from '../setup/child-server';
import { cloneTemplate, dropDatabase } from '../setup/database';
import { startSmtpSink } from '../setup/smtp-sink';

/**
 * The journey engine's reliability, with the real server (`node dist/src/main.js`) as child processes on a database
 * cloned from the test template, sending through a real SMTP peer:
 * - kill -9 at random moments while 5,000 customers go through send A → wait 2s → send B → update; restart; in the
 *   end every customer has exactly one A and one B, and no run or message is stuck;
 * - three processes advancing 10,000 runs together: no step twice, no email twice.
 */
// About 3 minutes on a shared 2-core runner (≈6 under heavy load): most of it is the engine's and the sender's
// throughput. A stuck run is told from a slow machine by progress: `settled` fails after 90 s without any.
jest.setTimeout(720_000);

const ADMIN_KEY = `rel-admin-${randomBytes(12).toString('hex')}`;
const KILLED_CUSTOMERS = 5_000;
const KILLS = 4;
const SHARED_RUNS = 10_000;

type Sink = Awaited<ReturnType<typeof startSmtpSink>>;

interface Delivery {
  to: string;
  subject: string;
  messageId: string;
}

/** The headers the assertions need, straight from the raw message (parsing 10,000 bodies would only cost time). */
function deliveriesOf(sink: Sink): Delivery[] {
  return sink.raw.map(({ to, data }) => {
    const text = data.toString('utf8');
    const end = text.indexOf('\r\n\r\n');
    const block = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
    const headers = new Map<string, string>();
    for (const line of block.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    expect(to).toHaveLength(1);
    return { to: to[0], subject: headers.get('subject') ?? '', messageId: headers.get('message-id') ?? '' };
  });
}

/** A deterministic PRNG, so a failing kill schedule can be replayed with REL_SEED. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** identify + track per customer, `perBatch` customers per /v1/batch call (at most 2,500 messages). */
function customerBatches(prefix: string, event: string, count: number, perBatch: number): object[] {
  const batches: object[] = [];
  for (let start = 0; start < count; start += perBatch) {
    const batch: object[] = [];
    for (let i = start; i < Math.min(count, start + perBatch); i++) {
      const userId = `${prefix}-${i}`;
      batch.push(
        {
          type: 'identify',
          userId,
          traits: { email: `${userId}@example.com`, marketingConsent: true },
          messageId: `${userId}-identify`,
        },
        { type: 'track', userId, event, properties: { n: i }, messageId: `${userId}-track` },
      );
    }
    batches.push({ batch });
  }
  return batches;
}

async function call(server: ChildServer, method: string, p: string, body?: object) {
  const res = await fetch(server.url(p), {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function expectStatus(server: ChildServer, p: string, body: object, status: number): Promise<void> {
  const res = await call(server, 'POST', p, body);
  if (res.status !== status) throw new Error(`POST ${p}: expected ${status}, got ${res.status} ${res.text}`);
}

/** Templates (one per send node) and an event-triggered journey, published. */
async function publishJourney(
  server: ChildServer,
  key: string,
  event: string,
  templates: Record<string, string>,
  nodes: object[],
): Promise<void> {
  for (const [templateKey, subject] of Object.entries(templates))
    await expectStatus(
      server,
      '/v1/templates',
      { key: templateKey, name: subject, subject, html: `<p>${subject}</p>`, from: 'Rel <rel@example.com>' },
      201,
    );
  const definition = { trigger: { type: 'event', event }, nodes, reentry: { policy: 'once' } };
  await expectStatus(server, '/v1/journeys', { key, name: key, definition }, 201);
  await expectStatus(server, `/v1/journeys/${key}/publish`, {}, 200);
}

interface Progress {
  runs: number;
  live: number;
  queued: number;
  sending: number;
  inbox: number;
}

async function progress(db: Client): Promise<Progress> {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM journey_runs)::int AS runs,
            (SELECT count(*) FROM journey_runs WHERE status IN ('active', 'waiting'))::int AS live,
            (SELECT count(*) FROM messages WHERE status = 'queued')::int AS queued,
            (SELECT count(*) FROM messages WHERE status = 'sending')::int AS sending,
            (SELECT count(*) FROM journey_inbox)::int AS inbox`,
  );
  return rows[0];
}

/**
 * Waits until every expected run has started and ended and the outbox is empty. Fails, showing where it stuck, when
 * nothing moved for `stallMs` (a slow machine keeps moving; a stuck run does not) or after `timeoutMs` in all.
 */
async function settled(
  db: Client,
  expectedRuns: number,
  servers: ChildServer[],
  { stallMs = 90_000, timeoutMs = 480_000 } = {},
): Promise<Progress> {
  const started = Date.now();
  let last: Progress | undefined;
  let movedAt = started;
  const history: string[] = [];
  for (;;) {
    const now = await progress(db);
    if (now.runs >= expectedRuns && !now.live && !now.queued && !now.sending && !now.inbox) return now;
    if (JSON.stringify(now) !== JSON.stringify(last)) movedAt = Date.now();
    last = now;
    if (history.length < (Date.now() - started) / 5000)
      history.push(`${Date.now() - started} ms ${JSON.stringify(last)}`);
    if (Date.now() - movedAt > stallMs || Date.now() - started > timeoutMs) break;
    await sleep(200);
  }
  const { rows: sessions } = await db.query(
    `SELECT application_name AS app, state, wait_event_type AS "waitType", wait_event AS wait,
            (now() - xact_start)::text AS "inTransactionFor", left(query, 160) AS query
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  throw new Error(
    `not settled after ${Date.now() - started} ms (${Date.now() - movedAt} ms without progress): ${JSON.stringify(last)}\nprogress:\n${history.join('\n')}\nsessions:\n` +
      `${sessions.map((r) => JSON.stringify(r)).join('\n')}\n${servers.map((s) => s.output()).join('\n')}`,
  );
}

const rowsOf = async (db: Client, sql: string) => (await db.query(sql)).rows;

describe('journeys: reliability with the server as child processes', () => {
  const serverUrl = process.env.WAYMARK_TEST_DATABASE_URL!;
  const servers: ChildServer[] = [];
  const sinks: Sink[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  const database = async (): Promise<{ url: string; db: Client }> => {
    const name = `waymark_rel_${randomBytes(6).toString('hex')}`;
    const url = await cloneTemplate(serverUrl, name);
    const db = new Client({ connectionString: url });
    await db.connect();
    // Commits need not wait for the WAL flush: only a crash of PostgreSQL itself could lose one, and these tests
    // kill the application, never the database. On a busy CI machine this is the difference between waiting on
    // fsync and testing the engine.
    await db.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    cleanups.push(async () => {
      await db.end();
      await dropDatabase(serverUrl, name);
    });
    return { url, db };
  };
  const sink = async () => {
    const s = await startSmtpSink({ parse: false });
    sinks.push(s);
    return s;
  };
  const home = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-rel-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const start = (port: number, env: Record<string, string>) => {
    const s = new ChildServer(port, {
      ADMIN_API_KEY: ADMIN_KEY,
      WAYMARK_ROLES: 'api,worker',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP: '100/1d',
      JOURNEY_POLL_MS: '100',
      DB_POOL_SIZE: '8',
      LOG_LEVEL: 'warn',
      ...env,
    });
    servers.push(s);
    return s;
  };

  afterEach(async () => {
    for (const s of servers.splice(0)) if (s.running) await s.stop('SIGKILL').catch(() => undefined);
    for (const s of sinks.splice(0)) await s.close();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('kill -9 at random moments while 5,000 customers go through two sends: every email exactly once, nothing stuck', async () => {
    const seed = Number(process.env.REL_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const began = Date.now();
    const { url, db } = await database();
    const smtp = await sink();
    const port = await freePort();
    const env = { DATABASE_URL: url, SMTP_URL: smtp.url, WAYMARK_HOME: home() };
    let server = start(port, env);
    await server.healthy();
    await publishJourney(
      server,
      'rel-kill',
      'Rel Kill Started',
      { 'rel-a': 'Reliability A', 'rel-b': 'Reliability B' },
      [
        { id: 'a', type: 'send_email', template: 'rel-a', next: 'pause' },
        { id: 'pause', type: 'wait', duration: '2s', next: 'b' },
        { id: 'b', type: 'send_email', template: 'rel-b', next: 'tag' },
        { id: 'tag', type: 'update_customer', increment: { relVisits: 1 } },
      ],
    );

    // Ingest in the background, across the kills: a batch cut off by a kill is sent again (messageIds make the
    // replay store nothing twice), to whichever server is up.
    let ingested = 0;
    const ingest = (async () => {
      for (const body of customerBatches('kill', 'Rel Kill Started', KILLED_CUSTOMERS, 250)) {
        for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
          if (Date.now() > deadline) throw new Error('a batch could not be delivered for 60 s');
          const res = await call(server, 'POST', '/v1/batch', body).catch(() => undefined);
          if (res?.status === 200) break;
          if (res && res.status < 500) throw new Error(`batch refused: ${res.status} ${res.text}`);
        }
        ingested++;
      }
    })().then(
      () => undefined,
      (error: Error) => error,
    );

    // The kills start once runs are moving, and land at random moments while work is in flight: runs between
    // steps or inside one, messages queued or being handed to the SMTP peer.
    for (const deadline = Date.now() + 60_000; !(await progress(db)).runs; await sleep(50))
      if (Date.now() > deadline) throw new Error(`no run started within 60 s\n${server.output()}`);
    const kills: (Progress & { afterMs: number; batchesIngested: number; sent: number; orphaned: number })[] =
      [];
    const orphaned = new Set<string>();
    /** Message-ID → how many kills caught it mid-send (a message resent after one kill can be caught by the next). */
    const caught = new Map<string, number>();
    for (let k = 0; k < KILLS; k++) {
      await sleep(500 + Math.floor(random() * 2500));
      const before = await progress(db);
      if (ingested === KILLED_CUSTOMERS / 250 && before.runs === KILLED_CUSTOMERS && !before.live) break;
      const exit = await server.stop('SIGKILL');
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      // Nobody is alive now: what is `sending` was claimed by the dead process, which may or may not have handed
      // it to the SMTP peer. The sender's lease is LEASE_MS = 5 min, hard-coded; expiring it here stands for
      // "the lease ran out" so the test does not wait five minutes. Only rows of a dead owner are touched.
      const { rows } = await db.query(
        `UPDATE messages SET next_attempt_at = now() WHERE status = 'sending' RETURNING message_id_header AS h`,
      );
      for (const r of rows) {
        orphaned.add(r.h);
        caught.set(r.h, (caught.get(r.h) ?? 0) + 1);
      }
      const [{ sent }] = await rowsOf(db, `SELECT count(*)::int AS sent FROM messages WHERE status = 'sent'`);
      kills.push({
        ...before,
        afterMs: Date.now() - began,
        batchesIngested: ingested,
        sent,
        orphaned: rows.length,
      });
      server = start(port, env);
      await server.healthy();
    }
    const ingestError = await ingest;
    if (ingestError) throw ingestError;
    const final = await settled(db, KILLED_CUSTOMERS, [server]);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // At least three kills hit runs in the middle of the journey (otherwise the test proves nothing).
    expect(kills.filter((k) => k.live > 0).length).toBeGreaterThanOrEqual(3);
    expect(final.runs).toBe(KILLED_CUSTOMERS);

    // No run stuck, failed or ended early; each went through the graph once, one timeline row per step.
    expect(await rowsOf(db, `SELECT status, count(*)::int AS n FROM journey_runs GROUP BY status`)).toEqual([
      { status: 'completed', n: KILLED_CUSTOMERS },
    ]);
    expect(await rowsOf(db, `SELECT count(DISTINCT customer_id)::int AS n FROM journey_runs`)).toEqual([
      { n: KILLED_CUSTOMERS },
    ]);
    expect(
      await rowsOf(
        db,
        `SELECT run_id, node_id, step, count(*)::int AS n FROM journey_steps GROUP BY 1, 2, 3 HAVING count(*) > 1`,
      ),
    ).toEqual([]);
    expect(
      await rowsOf(
        db,
        `SELECT path, count(*)::int AS n FROM (
           SELECT string_agg(node_id || ':' || step || ':' || outcome, ' ' ORDER BY step, id) AS path
             FROM journey_steps GROUP BY run_id) p GROUP BY path`,
      ),
    ).toEqual([{ path: 'a:0:queued pause:1:waited b:2:queued tag:3:updated', n: KILLED_CUSTOMERS }]);
    // The update at the end ran once per customer: a replayed step would have incremented twice.
    expect(
      await rowsOf(
        db,
        `SELECT traits -> 'relVisits' AS visits, count(*)::int AS n FROM customers GROUP BY 1`,
      ),
    ).toEqual([{ visits: 1, n: KILLED_CUSTOMERS }]);

    // The outbox: exactly one message per customer and send node, all sent.
    expect(
      await rowsOf(
        db,
        `SELECT customer_id, context -> 'journey' ->> 'node' AS node, count(*)::int AS n FROM messages
          GROUP BY 1, 2 HAVING count(*) <> 1`,
      ),
    ).toEqual([]);
    expect(
      await rowsOf(
        db,
        `SELECT context -> 'journey' ->> 'node' AS node, status, count(*)::int AS n FROM messages
          GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    ).toEqual([
      { node: 'a', status: 'sent', n: KILLED_CUSTOMERS },
      { node: 'b', status: 'sent', n: KILLED_CUSTOMERS },
    ]);
    const headers = new Map<string, { to: string; node: string }>(
      (
        await rowsOf(
          db,
          `SELECT message_id_header AS h, to_email AS "to", context -> 'journey' ->> 'node' AS node FROM messages`,
        )
      ).map((r) => [r.h, { to: r.to, node: r.node }]),
    );

    // The SMTP peer: deduplicated by Message-ID (as receivers do), every customer has exactly A and B.
    const deliveries = deliveriesOf(smtp);
    const byId = new Map<string, Delivery[]>();
    for (const d of deliveries) byId.set(d.messageId, [...(byId.get(d.messageId) ?? []), d]);
    expect([...byId.keys()].sort()).toEqual([...headers.keys()].sort());
    for (const [id, copies] of byId) {
      const expected = headers.get(id)!;
      for (const copy of copies)
        expect({ to: copy.to, subject: copy.subject }).toEqual({
          to: expected.to,
          subject: expected.node === 'a' ? 'Reliability A' : 'Reliability B',
        });
    }
    const perCustomer = new Map<string, string[]>();
    for (const [, [d]] of byId) perCustomer.set(d.to, [...(perCustomer.get(d.to) ?? []), d.subject].sort());
    expect(perCustomer.size).toBe(KILLED_CUSTOMERS);
    for (const subjects of perCustomer.values()) expect(subjects).toEqual(['Reliability A', 'Reliability B']);
    // Another copy at the peer is only possible for a message that was mid-send when its sender was killed
    // (at-least-once at the SMTP boundary, same Message-ID), one per kill that caught it so; never otherwise.
    const duplicated = [...byId].filter(([, copies]) => copies.length > 1).map(([id]) => id);
    expect(duplicated.filter((id) => !orphaned.has(id))).toEqual([]);
    for (const [id, copies] of byId) expect(copies.length).toBeLessThanOrEqual(1 + (caught.get(id) ?? 0));

    console.log(
      `kill -9 reliability (seed ${seed}): ${KILLED_CUSTOMERS} customers, ${kills.length} kills ` +
        `${JSON.stringify(kills)}; ${deliveries.length} SMTP deliveries, ${byId.size} distinct Message-IDs, ` +
        `${duplicated.length} delivered twice (of ${orphaned.size} orphaned in 'sending' at a kill); ` +
        `${smtp.errors.length} SMTP sessions cut by a kill; ` +
        `${Date.now() - began} ms`,
    );
  });

  it('three server processes advancing 10,000 runs together: no step twice, no email twice', async () => {
    const began = Date.now();
    const { url, db } = await database();
    // Which process wrote each timeline batch (test instrumentation on this throw-away database only).
    await db.query(`CREATE TABLE rel_step_writers (app text NOT NULL, steps integer NOT NULL)`);
    await db.query(`
      CREATE FUNCTION rel_step_writer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO rel_step_writers SELECT current_setting('application_name'), count(*) FROM new_rows;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER rel_step_writer AFTER INSERT ON journey_steps
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rel_step_writer()`);

    const peers = [await sink(), await sink(), await sink()];
    const procs = await Promise.all(
      peers.map(async (peer, i) =>
        start(await freePort(), {
          DATABASE_URL: `${url}?application_name=waymark-p${i}`,
          SMTP_URL: peer.url,
          WAYMARK_HOME: home(),
        }),
      ),
    );
    await Promise.all(procs.map((p) => p.healthy()));
    await publishJourney(
      procs[0],
      'rel-shared',
      'Rel Shared Started',
      { 'rel-shared': 'Reliability shared' },
      [
        { id: 'hold', type: 'wait', duration: '2s', next: 'mail' },
        { id: 'mail', type: 'send_email', template: 'rel-shared', next: 'tag' },
        { id: 'tag', type: 'update_customer', increment: { relVisits: 1 } },
      ],
    );
    // Every process serves API calls too: the batches go round-robin, three at a time.
    const batches = customerBatches('shared', 'Rel Shared Started', SHARED_RUNS, 1000);
    await Promise.all(
      procs.map(async (proc, i) => {
        for (let b = i; b < batches.length; b += procs.length) {
          const res = await call(proc, 'POST', '/v1/batch', batches[b]);
          if (res.status !== 200) throw new Error(`batch ${b}: ${res.status} ${res.text}`);
        }
      }),
    );
    await settled(db, SHARED_RUNS, procs);
    for (const p of procs) expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    expect(await rowsOf(db, `SELECT status, count(*)::int AS n FROM journey_runs GROUP BY status`)).toEqual([
      { status: 'completed', n: SHARED_RUNS },
    ]);
    expect(
      await rowsOf(
        db,
        `SELECT run_id, node_id, step, count(*)::int AS n FROM journey_steps GROUP BY 1, 2, 3 HAVING count(*) > 1`,
      ),
    ).toEqual([]);
    expect(
      await rowsOf(
        db,
        `SELECT path, count(*)::int AS n FROM (
           SELECT string_agg(node_id || ':' || step || ':' || outcome, ' ' ORDER BY step, id) AS path
             FROM journey_steps GROUP BY run_id) p GROUP BY path`,
      ),
    ).toEqual([{ path: 'hold:0:waited mail:1:queued tag:2:updated', n: SHARED_RUNS }]);
    expect(
      await rowsOf(
        db,
        `SELECT traits -> 'relVisits' AS visits, count(*)::int AS n FROM customers GROUP BY 1`,
      ),
    ).toEqual([{ visits: 1, n: SHARED_RUNS }]);
    // All three processes advanced runs (each wrote timeline rows), and the rows they wrote add up to the timeline.
    const writers = await rowsOf(
      db,
      `SELECT app, sum(steps)::int AS steps, count(*)::int AS batches FROM rel_step_writers GROUP BY app ORDER BY app`,
    );
    expect(writers.map((w) => w.app)).toEqual(['waymark-p0', 'waymark-p1', 'waymark-p2']);
    for (const w of writers) expect(w.steps).toBeGreaterThan(0);
    expect(writers.reduce((s, w) => s + w.steps, 0)).toBe(3 * SHARED_RUNS);

    // One message per run, all sent; each Message-ID reached a peer exactly once, and all three processes sent.
    expect(
      await rowsOf(
        db,
        `SELECT context -> 'journey' ->> 'runId' AS run, context -> 'journey' ->> 'node' AS node, count(*)::int AS n
           FROM messages GROUP BY 1, 2 HAVING count(*) <> 1`,
      ),
    ).toEqual([]);
    expect(await rowsOf(db, `SELECT status, count(*)::int AS n FROM messages GROUP BY status`)).toEqual([
      { status: 'sent', n: SHARED_RUNS },
    ]);
    const headers = (await rowsOf(db, `SELECT message_id_header AS h FROM messages`)).map(
      (r) => r.h as string,
    );
    const perPeer = peers.map((p) => deliveriesOf(p));
    for (const d of perPeer) expect(d.length).toBeGreaterThan(0);
    const all = perPeer.flat();
    expect(all).toHaveLength(SHARED_RUNS);
    expect(new Set(all.map((d) => d.messageId)).size).toBe(SHARED_RUNS);
    expect(all.map((d) => d.messageId).sort()).toEqual(headers.sort());
    expect(new Set(all.map((d) => d.to)).size).toBe(SHARED_RUNS);

    console.log(
      `three processes: ${SHARED_RUNS} runs; timeline rows by process ${JSON.stringify(writers)}; ` +
        `emails by process ${JSON.stringify(perPeer.map((d) => d.length))}; ${Date.now() - began} ms`,
    );
  });
});
