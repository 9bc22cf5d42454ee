import { SchedulerRegistry } from '@nestjs/schedule';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Response } from 'supertest';
import { NightlyModelsJob } from '../../src/analytics/nightly-models.job';
import { bgNbdExpectedPurchases, bgNbdProbabilityAlive } from '../../src/analytics/clv';
import { createTestApp, TestApp } from '../setup/test-app';

const CDNOW = path.resolve(__dirname, '../../../shared/data/cdnow/CDNOW_sample.txt');

const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PARETO = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const GAMMA_GAMMA = { p: 6.25, q: 3.74, v: 15.44 };

const relative = (value: number, expected: number) => Math.abs(value / expected - 1);

/** CDNOW_sample.txt as Segment Order Completed events: userId = customer id, revenue = dollars, the day. */
function cdnowEvents() {
  return fs
    .readFileSync(CDNOW, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line, i) => {
      const [, id, ymd, cds, dollars] = line.split(/\s+/);
      return {
        type: 'track',
        userId: String(Number(id)),
        event: 'Order Completed',
        properties: { revenue: Number(dollars), quantity: Number(cds) },
        timestamp: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}T00:00:00Z`,
        messageId: `cdnow-${i}`,
      };
    });
}

describe('CLV models on CDNOW, through the real ingestion path', () => {
  let t: TestApp;
  let admin: string;
  let read: string;
  let ingest: string;
  /** The BG/NBD fit on the published calibration/holdout split. */
  let published: Response['body'];

  const fitClv = (body: object, key = admin) =>
    t.http().post('/v1/models/clv/fit').set('Authorization', key).send(body);
  const getModel = (id: string, key = read) => t.http().get(`/v1/models/${id}`).set('Authorization', key);
  const currentClvId = async () => {
    const res = await t.http().get('/v1/models?kind=clv&current=true').set('Authorization', read).expect(200);
    expect(res.body.items.length).toBeLessThanOrEqual(1);
    return res.body.items[0]?.id as string | undefined;
  };
  const tierSnapshot = async () =>
    new Map<string, string | null>(
      (
        await t.db.query(
          `SELECT c.external_id, s.clv_tier FROM customers c LEFT JOIN customer_scores s ON s.customer_id = c.id`,
        )
      ).map((r: { external_id: string; clv_tier: string | null }) => [r.external_id, r.clv_tier]),
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
    [read, ingest] = (await Promise.all([t.keyFor('read'), t.keyFor('ingest')])).map((k) => `Bearer ${k}`);
    const events = cdnowEvents();
    expect(events).toHaveLength(6919);
    for (let i = 0; i < events.length; i += 2500) {
      const res = await t
        .http()
        .post('/v1/batch')
        .set('Authorization', ingest)
        .send({ batch: events.slice(i, i + 2500) });
      expect(res.status).toBe(200);
    }
    const res = await fitClv({ calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30' });
    expect(res.status).toBe(201);
    published = res.body;
  }, 120_000);
  afterAll(() => t.close());

  it('stores 6,919 orders for 2,357 customers', async () => {
    const [{ events, customers }] = await t.db.query(
      `SELECT count(*)::int AS events, count(DISTINCT customer_id)::int AS customers FROM events`,
    );
    expect({ events, customers }).toEqual({ events: 6919, customers: 2357 });
  });

  it('reproduces the published BG/NBD and Gamma-Gamma fits', () => {
    expect(published).toMatchObject({ kind: 'clv', status: 'fitted', isCurrent: true, error: null });
    expect(published.options).toMatchObject({
      model: 'bgnbd',
      horizonMonths: 12,
      monthlyDiscount: 0.01,
      unit: 'weeks',
      calibrationEnd: '1997-09-30',
      holdoutEnd: '1998-06-30',
      tiers: { high: 0.2, medium: 0.3 },
    });
    for (const [name, value] of Object.entries(BGNBD)) {
      expect(relative(published.params.bgnbd[name], value)).toBeLessThan(0.005);
      expect(published.standardErrors.bgnbd[name]).toBeGreaterThan(0);
    }
    expect(Math.abs(published.logLikelihood - -9582.4)).toBeLessThan(0.5);
    for (const [name, value] of Object.entries(GAMMA_GAMMA)) {
      expect(relative(published.params.gammaGamma[name], value)).toBeLessThan(0.01);
      expect(published.standardErrors.gammaGamma[name]).toBeGreaterThan(0);
    }
    expect(published.sampleSize).toBe(2357);
    expect(published.repeatBuyers).toBe(946);
    expect(published.diagnostics.gammaGamma).toMatchObject({
      customers: 946,
      excludedNonPositiveMonetary: 0,
    });
    expect(Math.abs(published.diagnostics.gammaGamma.frequencyMonetaryCorrelation)).toBeLessThan(0.3);
    expect(published.fitMs).toEqual(expect.any(Number));
    expect(published.scoreMs).toEqual(expect.any(Number));
  });

  it('checks predicted against actual repeat purchases in the holdout (1,882 observed)', () => {
    const holdout = published.diagnostics.holdout;
    expect(holdout.actual).toBe(1882);
    expect(holdout.customers).toBe(2357);
    expect(holdout.duration).toBeCloseTo(39, 10);
    expect(Math.abs(holdout.predicted - 1653)).toBeLessThan(5);
    expect(holdout.byFrequency[0]).toMatchObject({ frequency: '0', customers: 2357 - 946 });
    expect(holdout.byFrequency.reduce((s: number, r: { customers: number }) => s + r.customers, 0)).toBe(
      2357,
    );
  });

  it('serves the model to read keys, lists it, and answers 404 for unknown ids', async () => {
    const res = await getModel(published.id).expect(200);
    expect(res.body).toEqual(published);
    const list = await t.http().get('/v1/models?kind=clv').set('Authorization', read).expect(200);
    expect(list.body.items.map((m: { id: string }) => m.id)).toContain(published.id);
    expect(list.body.items[0].diagnostics).toBeUndefined();
    const missing = await getModel('00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body.error).toBe('MODEL_NOT_FOUND');
    await getModel('not-a-uuid').expect(404);
    await t.http().get('/v1/models?kind=nope').set('Authorization', read).expect(400);
  });

  it('enforces roles: fitting needs admin, reading needs read', async () => {
    await fitClv({}, read).expect(403);
    await fitClv({}, ingest).expect(403);
    await t.http().post('/v1/models/clv/fit').send({}).expect(401);
    await t.http().post('/v1/models/churn/fit').set('Authorization', read).send({}).expect(403);
    await getModel(published.id, ingest).expect(403);
    await t.http().get('/v1/models').expect(401);
  });

  it('stores P(alive), expected purchases, expected order value, CLV and tier for every customer', async () => {
    const rows = await t.db.query(
      `SELECT c.external_id AS id, s.clv::float8 AS clv, s.clv_tier AS tier, s.p_alive, s.expected_purchases,
              s.expected_aov, s.clv_model_id
         FROM customers c JOIN customer_scores s ON s.customer_id = c.id`,
    );
    expect(rows).toHaveLength(2357);
    expect(new Set(rows.map((r: { clv_model_id: string }) => r.clv_model_id))).toEqual(
      new Set([published.id]),
    );
    const tiers = published.diagnostics.tiers;
    const count = (tier: string) => rows.filter((r: { tier: string }) => r.tier === tier).length;
    expect({ high: count('high'), medium: count('medium'), low: count('low') }).toEqual({
      high: tiers.high.customers,
      medium: tiers.medium.customers,
      low: tiers.low.customers,
    });
    expect(tiers.high.customers).toBeLessThanOrEqual(Math.round(2357 * 0.2));
    expect(tiers.high.customers).toBeGreaterThan(2357 * 0.19);
    expect(tiers.high.minClv).toBeGreaterThan(tiers.medium.minClv);

    // Customer 1 is the paper's reference customer: x = 2, t_x = 30.43, T = 38.86.
    const one = rows.find((r: { id: string }) => r.id === '1');
    const params = published.params.bgnbd;
    const history = { x: 2, tx: 213 / 7, T: 272 / 7 };
    expect(Math.abs(one.p_alive - 0.7266)).toBeLessThan(0.001);
    expect(one.p_alive).toBeCloseTo(bgNbdProbabilityAlive(params, history), 12);
    expect(Math.abs(bgNbdExpectedPurchases(params, history, 39) - 1.226)).toBeLessThan(0.002);
    expect(one.expected_purchases).toBeCloseTo(bgNbdExpectedPurchases(params, history, 12 * 4.345), 10);
    // Gamma-Gamma: the repeat days were $14.96 (Aug 2) and $29.73 (Jan 18).
    const { p, q, v } = published.params.gammaGamma;
    const weight = (p * 2) / (p * 2 + q - 1);
    expect(one.expected_aov).toBeCloseTo(
      (1 - weight) * ((v * p) / (q - 1)) + weight * ((14.96 + 29.73) / 2),
      8,
    );
    for (const r of rows) {
      expect(r.p_alive).toBeGreaterThan(0);
      expect(r.p_alive).toBeLessThanOrEqual(1);
      expect(r.clv).toBeGreaterThanOrEqual(0);
      expect(r.expected_aov).toBeGreaterThan(0);
    }
  });

  describe('bad input answers 422 with the reason and leaves the current model in force', () => {
    let before: Map<string, string | null>;
    beforeAll(async () => {
      expect(await currentClvId()).toBe(published.id);
      before = await tierSnapshot();
    });
    afterEach(async () => {
      expect(await currentClvId()).toBe(published.id);
      expect(await tierSnapshot()).toEqual(before);
    });

    it('a calibration end before the first order', async () => {
      const res = await fitClv({ calibrationEnd: '1990-06-30' }).expect(422);
      expect(res.body.error).toBe('CALIBRATION_OUTSIDE_DATA');
      expect(res.body.message).toContain('1997-01-01');
      const [failed] = (await t.http().get('/v1/models?kind=clv').set('Authorization', read)).body.items;
      expect(failed).toMatchObject({ status: 'failed', isCurrent: false, error: res.body.message });
    });

    it('a calibration period in which nobody has bought twice', async () => {
      const res = await fitClv({ calibrationEnd: '1997-01-01' }).expect(422);
      expect(res.body.error).toBe('ALL_ZERO_FREQUENCIES');
    });

    it('a holdout that ends before calibration, or dates in the future', async () => {
      const res = await fitClv({ calibrationEnd: '1997-09-30', holdoutEnd: '1997-06-30' }).expect(422);
      expect(res.body).toMatchObject({
        error: 'INVALID_MODEL_OPTIONS',
        message: expect.stringContaining('after'),
      });
      const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
      const later = await fitClv({ calibrationEnd: future }).expect(422);
      expect(later.body.message).toContain('future');
    });

    it('tier shares above 1, and malformed options (400)', async () => {
      const res = await fitClv({ tiers: { high: 0.6, medium: 0.5 } }).expect(422);
      expect(res.body.error).toBe('INVALID_MODEL_OPTIONS');
      await fitClv({ model: 'weibull' }).expect(400);
      await fitClv({ horizonMonths: 0 }).expect(400);
      await fitClv({ calibrationEnd: 'yesterday' }).expect(400);
      await fitClv({ unknown: 1 }).expect(400);
    });

    it('a fit that does not converge is stored as not_converged and never becomes current', async () => {
      const res = await fitClv({ calibrationEnd: '1997-09-30', maxIterations: 5 }).expect(422);
      expect(res.body.error).toBe('MODEL_NOT_CONVERGED');
      const id = /model ([0-9a-f-]{36})/.exec(res.body.message)![1];
      const stored = await getModel(id).expect(200);
      expect(stored.body).toMatchObject({ status: 'not_converged', isCurrent: false, sampleSize: 2357 });
      expect(stored.body.params.bgnbd.r).toEqual(expect.any(Number));
      const scored = await t.db.query(
        `SELECT count(*)::int AS n FROM customer_scores WHERE clv_model_id = $1`,
        [id],
      );
      expect(scored[0].n).toBe(0);
    });
  });

  it('refreshes segments that read CLV tiers as soon as a fit becomes current', async () => {
    await t
      .http()
      .post('/v1/segments')
      .set('Authorization', admin)
      .send({
        key: 'high-clv',
        name: 'High CLV',
        rules: { all: [{ fact: 'scores', path: '$.clvTier', operator: 'equal', value: 'high' }] },
      })
      .expect(201);
    await fitClv({ calibrationEnd: '1997-09-30' }).expect(201);
    const [{ members, high }] = await t.db.query(
      `SELECT (SELECT count(*) FROM segment_memberships m JOIN segments s ON s.id = m.segment_id WHERE s.key = 'high-clv')::int AS members,
              (SELECT count(*) FROM customer_scores WHERE clv_tier = 'high')::int AS high`,
    );
    expect(high).toBeGreaterThan(0);
    expect(members).toBe(high);
  });

  it('reproduces the published Pareto/NBD fit when model = pareto', async () => {
    const res = await fitClv({
      model: 'pareto',
      calibrationEnd: '1997-09-30',
      holdoutEnd: '1998-06-30',
    }).expect(201);
    for (const [name, value] of Object.entries(PARETO)) {
      expect(relative(res.body.params.pareto[name], value)).toBeLessThan(0.01);
    }
    expect(Math.abs(res.body.logLikelihood - -9595.0)).toBeLessThan(0.5);
    for (const [name, value] of Object.entries(GAMMA_GAMMA)) {
      expect(relative(res.body.params.gammaGamma[name], value)).toBeLessThan(0.01);
    }
    expect(res.body.diagnostics.holdout.actual).toBe(1882);
    expect(await currentClvId()).toBe(res.body.id);
    const old = await getModel(published.id).expect(200);
    expect(old.body.isCurrent).toBe(false);
  });

  it('records a clv_tier_changed transition for every customer whose tier moves on a refit', async () => {
    const before = await tierSnapshot();
    const previous = await currentClvId();
    // Different data: the calibration period now takes in the 1,882 holdout purchases too.
    const res = await fitClv({ calibrationEnd: '1998-06-30' }).expect(201);
    expect(res.body.diagnostics.previousModelId).toBe(previous);
    const after = await tierSnapshot();
    const changed = [...after].filter(([id, tier]) => before.get(id) !== tier).map(([id]) => id);
    expect(changed.length).toBeGreaterThan(50);

    const transitions: { user: string; from_value: string; to_value: string; at: Date }[] = await t.db.query(
      `SELECT c.external_id AS user, st.from_value, st.to_value, st.at
         FROM score_transitions st JOIN customers c ON c.id = st.customer_id
        WHERE st.kind = 'clv_tier_changed' AND st.model_id = $1`,
      [res.body.id],
    );
    expect(transitions.map((r) => r.user).sort()).toEqual(changed.sort());
    for (const r of transitions) {
      expect(r.from_value).toBe(before.get(r.user));
      expect(r.to_value).toBe(after.get(r.user));
      expect(r.from_value).not.toBe(r.to_value);
    }
    expect(res.body.diagnostics.published).toMatchObject({ scored: 2357, transitions: changed.length });
  });

  it('fits the churn model on a time split and stores churn probabilities', async () => {
    await t
      .http()
      .post('/v1/models/churn/fit')
      .set('Authorization', admin)
      .send({ labelDays: 0 })
      .expect(400);
    const bad = await t
      .http()
      .post('/v1/models/churn/fit')
      .set('Authorization', admin)
      .send({ cutoff: new Date().toISOString() })
      .expect(422);
    expect(bad.body.error).toBe('INVALID_MODEL_OPTIONS');

    const res = await t
      .http()
      .post('/v1/models/churn/fit')
      .set('Authorization', admin)
      .send({ cutoff: '1997-07-01T00:00:00Z', labelDays: 90 })
      .expect(201);
    expect(res.body).toMatchObject({ kind: 'churn', status: 'fitted', isCurrent: true });
    const d = res.body.diagnostics;
    expect(d.auc).toBeGreaterThan(0.7);
    expect(d.auc).toBeLessThanOrEqual(1);
    expect(d.calibration).toHaveLength(10);
    expect(d.trainSize + d.testSize).toBe(res.body.sampleSize);
    expect(d.testSize).toBe(Math.round(res.body.sampleSize * 0.25));
    expect(d.expectedCalibrationError).toBeLessThan(0.1);
    expect(Object.keys(res.body.params.coefficients).sort()).toEqual([...res.body.params.features].sort());
    // Recency is the strongest signal: a longer silence means a likelier churn.
    expect(res.body.params.coefficients.recencyDays).toBeGreaterThan(0);

    const [{ n, lo, hi }] = await t.db.query(
      `SELECT count(*)::int AS n, min(churn_probability) AS lo, max(churn_probability) AS hi
         FROM customer_scores WHERE churn_model_id = $1`,
      [res.body.id],
    );
    expect(n).toBe(2357);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('refits nightly with the current options, on one process at a time', async () => {
    const cron = t.app.get(SchedulerRegistry).getCronJob('analytics-nightly-models');
    expect(cron.cronTime.source).toBe('0 30 2 * * *');
    const job = t.app.get(NightlyModelsJob);
    const current = await currentClvId();
    const outcomes = await job.run();
    expect(outcomes).toBeDefined();
    const clv = outcomes!.find((o) => o.kind === 'clv')!;
    expect(clv.status).toBe('fitted');
    const model = await getModel(clv.modelId!).expect(200);
    expect(model.body.isCurrent).toBe(true);
    expect(model.body.options.calibrationEnd).toBe(new Date().toISOString().slice(0, 10));
    expect(model.body.options.holdoutEnd).toBeUndefined();
    expect(model.body.diagnostics.previousModelId).toBe(current);
    // The churn refit moves its cut-off to now − 90 days, after the last CDNOW order: nobody buys after it,
    // so the fit fails and the current churn model stays.
    const churn = outcomes!.find((o) => o.kind === 'churn')!;
    expect(churn.status).toBe('failed');
    const churnCurrent = await t.http().get('/v1/models?kind=churn&current=true').set('Authorization', read);
    expect(churnCurrent.body.items).toHaveLength(1);
  });
});

describe('CLV fits on too little data', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
  });
  afterAll(() => t.close());

  const order = (user: string, day: string, revenue: number) => ({
    type: 'track',
    userId: user,
    event: 'Order Completed',
    properties: { revenue },
    timestamp: `${day}T12:00:00Z`,
  });
  const ingestOrders = (batch: object[]) =>
    t.http().post('/v1/batch').set('Authorization', admin).send({ batch }).expect(200);
  const fit = () =>
    t.http().post('/v1/models/clv/fit').set('Authorization', admin).send({ calibrationEnd: '2024-12-31' });
  const expectNoCurrentModel = async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM models WHERE is_current`);
    expect(n).toBe(0);
  };

  it('without any order', async () => {
    const res = await fit().expect(422);
    expect(res.body.error).toBe('TOO_FEW_CUSTOMERS');
    await expectNoCurrentModel();
  });

  it('with too few customers', async () => {
    await ingestOrders([1, 2, 3].map((i) => order(`u${i}`, '2024-03-0' + i, 10)));
    const res = await fit().expect(422);
    expect(res.body).toMatchObject({ error: 'TOO_FEW_CUSTOMERS', message: expect.stringContaining('got 3') });
    await expectNoCurrentModel();
  });

  it('with customers who never bought twice', async () => {
    await ingestOrders(Array.from({ length: 20 }, (_, i) => order(`v${i}`, '2024-04-01', 20 + i)));
    const res = await fit().expect(422);
    expect(res.body.error).toBe('ALL_ZERO_FREQUENCIES');
    await expectNoCurrentModel();
  });

  it('with too few repeat buyers for the spend model', async () => {
    await ingestOrders(Array.from({ length: 5 }, (_, i) => order(`v${i}`, '2024-06-01', 30 + i)));
    const res = await fit().expect(422);
    expect(res.body).toMatchObject({
      error: 'TOO_FEW_REPEAT_BUYERS',
      message: expect.stringContaining('got 5'),
    });
    await expectNoCurrentModel();
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM models WHERE status = 'failed'`);
    expect(n).toBe(4);
  });
});
