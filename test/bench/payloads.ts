/**
 * Realistic Segment traffic, generated deterministically from (batch index, seed): the replay check and the raw
 * baseline regenerate exactly the messages the server received instead of holding a million of them in memory.
 */

export interface Workload {
  events: number;
  batchSize: number;
  customers: number;
  /** Fixed at start, so timestamps ("the past 90 days") are the same every time a batch is regenerated. */
  now: number;
  seed: number;
}

export type SegmentMessage = Record<string, unknown> & {
  type: 'identify' | 'track';
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context: Record<string, unknown>;
  timestamp: string;
};

const DAY = 86_400_000;
const PLANS = ['free', 'free', 'free', 'starter', 'starter', 'pro', 'enterprise'];
const ZONES = ['Europe/Paris', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net'];
const CATEGORIES = ['shoes', 'shirts', 'bags', 'hats', 'accessories'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];
const LIBRARY = { name: '@segment/analytics-node', version: '3.1.0' };

export function workload(events: number, batchSize = 100): Workload {
  // About ten events per customer: 1M events → 100k customers, as in a mid-sized shop.
  const customers = Math.max(1, Math.round(events / 10));
  return { events, batchSize, customers, now: Date.now(), seed: (Math.random() * 2 ** 31) | 0 };
}

export const batchCount = (w: Workload) => Math.ceil(w.events / w.batchSize);

/** mulberry32: tiny, fast and good enough to pick customers and products. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const userIdOf = (c: number) => `user_${c}`;
/** Every fifth customer browses the web shop before logging in, so their traffic carries an anonymousId. */
export const anonymousIdOf = (c: number) => (c % 5 === 0 ? `anon-${(c * 2654435761) >>> 0}-${c}` : undefined);

export function makeBatch(w: Workload, index: number): SegmentMessage[] {
  const random = rng(w.seed ^ Math.imul(index + 1, 0x9e3779b1));
  const first = index * w.batchSize;
  const last = Math.min(w.events, first + w.batchSize);
  const out: SegmentMessage[] = [];
  for (let i = first; i < last; i++) out.push(makeMessage(w, random, `node-next-${w.seed}-${i}`));
  return out;
}

/** One /v1/track call of the latency phase: the same shapes, messageIds of their own. */
export function makeTrack(w: Workload, index: number): SegmentMessage {
  const random = rng(w.seed ^ Math.imul(index + 1, 0x85ebca6b) ^ 0x5bd1e995);
  let m: SegmentMessage;
  do m = makeMessage(w, random, `node-track-${w.seed}-${index}`);
  while (m.type !== 'track');
  return m;
}

function makeMessage(w: Workload, random: () => number, messageId: string): SegmentMessage {
  const c = Math.floor(random() * w.customers);
  const anonymousId = anonymousIdOf(c);
  const timestamp = new Date(w.now - random() * 90 * DAY).toISOString();
  const context = {
    library: LIBRARY,
    ip: `203.0.${(c >> 8) & 255}.${c & 255}`,
    userAgent: AGENTS[c % AGENTS.length],
    locale: 'en-US',
  };
  const r = random();
  if (r < 0.1) {
    const traits = {
      email: `user${c}@${DOMAINS[c % DOMAINS.length]}`,
      plan: PLANS[Math.floor(random() * PLANS.length)],
      timezone: ZONES[c % ZONES.length],
      firstName: `Name${c}`,
    };
    return { type: 'identify', messageId, userId: userIdOf(c), anonymousId, traits, context, timestamp };
  }
  // Half the events of web visitors happen before they log in: anonymousId only (merged on a later identify).
  const who = anonymousId && random() < 0.5 ? { anonymousId } : { userId: userIdOf(c), anonymousId };
  const [event, properties] =
    r < 0.55
      ? ['Product Viewed', product(random)]
      : r < 0.77
        ? [
            'Product Added',
            { ...product(random), quantity: 1 + Math.floor(random() * 3), cart_id: `cart-${c}` },
          ]
        : r < 0.89
          ? ['Checkout Started', order(random, c)]
          : ['Order Completed', { ...order(random, c), currency: 'USD' }];
  return { type: 'track', messageId, ...who, event, properties, context, timestamp };
}

function product(random: () => number) {
  const p = Math.floor(random() * 500);
  return {
    product_id: `p${p}`,
    sku: `SKU-${String(p).padStart(5, '0')}`,
    name: `Product ${p}`,
    category: CATEGORIES[p % CATEGORIES.length],
    price: 5 + (p % 95) + 0.99,
  };
}

function order(random: () => number, c: number) {
  const products = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const { product_id, sku, name, price } = product(random);
    return { product_id, sku, name, price, quantity: 1 + Math.floor(random() * 2) };
  });
  const revenue = Math.round(products.reduce((s, p) => s + p.price * p.quantity, 0) * 100) / 100;
  return { order_id: `o-${c}-${Math.floor(random() * 1e9)}`, revenue, products };
}
