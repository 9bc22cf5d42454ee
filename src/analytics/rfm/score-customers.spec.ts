import { seededRandom } from '../prep/sample';
import { CustomerActivity, RfmScore, scoreRfm } from './score-customers';

const customer = (customerId: string, recencyDays: number | null, orderCount: number, revenue: number) => ({
  customerId,
  recencyDays,
  orderCount,
  revenue,
});

// Ten buyers and two non-buyers. Scores worked out by hand from 1 + ⌊5 · (buyers strictly beaten) / 10⌋.
const population: CustomerActivity[] = [
  customer('c1', 2, 12, 1200),
  customer('c2', 5, 8, 400),
  customer('lead', null, 0, 0),
  customer('c3', 5, 8, 800),
  customer('c4', 20, 4, 300),
  customer('c5', 40, 3, 90),
  customer('c6', 60, 2, 500),
  customer('c7', 90, 1, 20),
  customer('c8', 120, 1, 60),
  customer('c9', 200, 6, 900),
  customer('c10', 400, 1, 30),
  customer('refunded', 15, 0, 0), // a stale recency is ignored without orders
];

const byId = (scores: RfmScore[]) => Object.fromEntries(scores.map((s) => [s.customerId, s]));

describe('scoreRfm', () => {
  it('scores a hand-made population: ties, reversed recency, codes and groups', () => {
    const { scored, withoutOrders } = scoreRfm(population);
    expect(withoutOrders).toEqual(['lead', 'refunded']);
    expect(scored.map((s) => s.customerId)).toEqual([
      'c1',
      'c2',
      'c3',
      'c4',
      'c5',
      'c6',
      'c7',
      'c8',
      'c9',
      'c10',
    ]);
    // R: 2 days beats all 9 → 5; the tied 5s beat 7 → 4 each; 400 days beats nobody → 1.
    // F: 12 → 5; the tied 8s beat 7 → 4 each; the three one-order buyers beat nobody → 1.
    // M (total): 1200 → 5, 900 → 5 (beats 8), 800 → 4, 500 → 4, 400 → 3, 300 → 3, 90 → 2, 60 → 2, 30, 20 → 1.
    expect(scored.map((s) => [s.customerId, s.code, s.group])).toEqual([
      ['c1', '555', 'champions'],
      ['c2', '443', 'loyal-customers'],
      ['c3', '444', 'loyal-customers'],
      ['c4', '433', 'potential-loyalist'],
      ['c5', '332', 'need-attention'],
      ['c6', '324', 'about-to-sleep'],
      ['c7', '211', 'hibernating'],
      ['c8', '212', 'hibernating'],
      ['c9', '145', 'at-risk'],
      ['c10', '111', 'lost'],
    ]);
    expect(byId(scored).c9).toEqual({
      customerId: 'c9',
      recency: 1,
      frequency: 4,
      monetary: 5,
      code: '145',
      group: 'at-risk',
    });
  });

  it('can take M from average order value instead of total revenue', () => {
    // AOV: c1 100, c2 50, c3 100, c4 75, c5 30, c6 250, c7 20, c8 60, c9 150, c10 30.
    // The tied 100s beat six → 4; the tied 30s beat one (20) → 1.
    const { scored } = scoreRfm(population, { monetary: 'average' });
    expect(scored.map((s) => s.code)).toEqual([
      '554',
      '442',
      '444',
      '433',
      '331',
      '325',
      '211',
      '213',
      '145',
      '111',
    ]);
    // Groups follow R and F, so they do not move with M on the default axis.
    expect(scored.map((s) => s.group)).toEqual(scoreRfm(population).scored.map((s) => s.group));
  });

  it('can group on FM, the mean of F and M rounded half up', () => {
    const scores = byId(scoreRfm(population, { segmentAxis: 'frequency-monetary' }).scored);
    expect(scores.c6.group).toBe('need-attention'); // R 3, F 2, M 4 → FM 3
    expect(scores.c9.group).toBe('cant-lose-them'); // R 1, F 4, M 5 → FM 5
    expect(scores.c8.group).toBe('hibernating'); // R 2, F 1, M 2 → FM 2
    expect(scores.c1.group).toBe('champions');
  });

  it('does not depend on input order or on how many non-buyers are present', () => {
    const reference = byId(scoreRfm(population).scored);
    const shuffled = [...population].reverse();
    const withLeads = [
      ...shuffled,
      ...Array.from({ length: 50 }, (_, i) => customer(`lead${i}`, null, 0, 0)),
    ];
    expect(byId(scoreRfm(shuffled).scored)).toEqual(reference);
    const { scored, withoutOrders } = scoreRfm(withLeads);
    expect(byId(scored)).toEqual(reference);
    expect(withoutOrders).toHaveLength(52);
  });

  it('rejects inconsistent activity, naming the customer', () => {
    expect(() => scoreRfm([customer('x', null, 2, 10)])).toThrow(/customer 0 \(x\): recencyDays/);
    expect(() => scoreRfm([customer('y', -1, 2, 10)])).toThrow(/recencyDays/);
    expect(() => scoreRfm([customer('ok', 1, 1, 1), customer('z', 3, 1.5, 10)])).toThrow(
      /customer 1 \(z\): orderCount must be a non-negative integer, got 1.5/,
    );
    expect(() => scoreRfm([customer('w', 3, 1, NaN)])).toThrow(/revenue must be finite/);
    expect(scoreRfm([])).toEqual({ scored: [], withoutOrders: [] });
  });

  it('scores 1,000,000 customers into exact fifths (speed is measured by the segments bench, not here)', () => {
    const random = seededRandom(2024);
    // Jest runs tests in a vm context where each global lookup is slow; alias Math once for the generator.
    const { floor, log, exp } = Math;
    const n = 1_000_000;
    const customers: CustomerActivity[] = new Array(n);
    for (let i = 0; i < n; i++) {
      // 5 % never ordered; order counts geometric-ish, recency uniform over two years, revenue log-uniform.
      const orders = random() < 0.05 ? 0 : 1 + floor(-log(1 - random()) * 2);
      customers[i] = {
        customerId: `c${i}`,
        recencyDays: orders === 0 ? null : floor(random() * 730),
        orderCount: orders,
        revenue: orders * exp(3 + random() * 2),
      };
    }
    const { scored, withoutOrders } = scoreRfm(customers);
    expect(scored.length + withoutOrders.length).toBe(n);

    // Revenue is continuous, so M splits into fifths up to ±1 customer per boundary.
    const monetaryCounts = [0, 0, 0, 0, 0];
    for (const s of scored) monetaryCounts[s.monetary - 1]++;
    for (const count of monetaryCounts) expect(Math.abs(count - scored.length / 5)).toBeLessThanOrEqual(1);

    // Spot-check a few customers against the definition, counted directly.
    const buyers = customers.filter((c) => c.orderCount > 0);
    for (let k = 0; k < 5; k++) {
      const i = Math.floor(random() * buyers.length);
      let lessFrequent = 0;
      let lessRecent = 0;
      for (const other of buyers) {
        if (other.orderCount < buyers[i].orderCount) lessFrequent++;
        if (other.recencyDays! > buyers[i].recencyDays!) lessRecent++;
      }
      expect(scored[i].frequency).toBe(1 + Math.floor((5 * lessFrequent) / buyers.length));
      expect(scored[i].recency).toBe(1 + Math.floor((5 * lessRecent) / buyers.length));
    }
  });
});
