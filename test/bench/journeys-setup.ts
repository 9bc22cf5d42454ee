import * as http from 'node:http';
import { postJson } from './http';
import type { RunningServer } from './server';

export const TRIGGER_EVENT = 'Bench Signed Up';
export const JOURNEY_KEY = 'bench-welcome';

export const emailOf = (userId: string) => `${userId}@bench.example`;

const TEMPLATE_HTML = `<h1>Welcome {{ customer.traits.firstName }}</h1>
<p>Thanks for joining on the {{ event.plan }} plan.</p>
{% if variant == "short" %}<p>Three tips to start.</p>{% else %}<ul>
{% for tip in (1..5) %}<li>Tip {{ tip }}: <a href="https://shop.example.com/tips/{{ tip }}">read</a></li>{% endfor %}
</ul>{% endif %}
<p><a href="https://shop.example.com/start">Start shopping</a></p>`;

/** What the bare-send baseline mails: about the size the templates render to. */
export const SAMPLE_MAIL = {
  html: TEMPLATE_HTML.replace(/\{[{%][^}]*[}%]\}/g, 'x'),
  text: 'Welcome x. Thanks for joining on the x plan. Tip 1 Tip 2 Tip 3 Tip 4 Tip 5 Start shopping',
};

/**
 * trigger (event) → wait 0s → branch on a trait → weighted split → send, defined through the API as a user would.
 * Both branch arms reach a split, so every run visits every node kind and sends exactly one email.
 */
export const BENCH_JOURNEY = {
  trigger: { type: 'event', event: TRIGGER_EVENT },
  nodes: [
    { id: 'pause', type: 'wait', duration: '0s', next: 'tier' },
    {
      id: 'tier',
      type: 'branch',
      branches: [
        {
          name: 'vip',
          when: { all: [{ fact: 'traits', path: '$.vip', operator: 'equal', value: true }] },
          next: 'vip-split',
        },
      ],
      else: 'split',
    },
    {
      id: 'vip-split',
      type: 'split',
      variants: [
        { name: 'long', weight: 0.7, next: 'mail-long' },
        { name: 'short', weight: 0.3, next: 'mail-short' },
      ],
    },
    {
      id: 'split',
      type: 'split',
      variants: [
        { name: 'long', weight: 0.5, next: 'mail-long' },
        { name: 'short', weight: 0.5, next: 'mail-short' },
      ],
    },
    { id: 'mail-long', type: 'send_email', template: 'bench-long' },
    { id: 'mail-short', type: 'send_email', template: 'bench-short' },
  ],
  reentry: { policy: 'once' },
};

export class Api {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  constructor(readonly server: RunningServer) {}

  async post(path: string, body: unknown, expect = [200, 201]): Promise<unknown> {
    const reply = await postJson(
      this.agent,
      this.server.base,
      path,
      this.server.key,
      Buffer.from(JSON.stringify(body)),
    );
    if (!expect.includes(reply.status))
      throw new Error(`POST ${path}: HTTP ${reply.status} ${reply.body.slice(0, 500)}`);
    return JSON.parse(reply.body || 'null');
  }
}

export async function defineJourney(api: Api): Promise<void> {
  for (const [key, variantLine] of [
    ['bench-long', ''],
    ['bench-short', ' (short)'],
  ])
    await api.post('/v1/templates', {
      key,
      name: key,
      subject: `Welcome, {{ customer.traits.firstName }}${variantLine}`,
      html: TEMPLATE_HTML,
      from: 'Shop <shop@example.com>',
    });
  await api.post('/v1/journeys', { key: JOURNEY_KEY, name: 'Benchmark welcome', definition: BENCH_JOURNEY });
  await api.post(`/v1/journeys/${JOURNEY_KEY}/publish`, {});
}

/** Customers with an email, consent and a `vip` trait (one in three), 100 per /v1/batch call, 8 at a time. */
export async function identifyCustomers(api: Api, userIds: string[]): Promise<void> {
  const now = new Date().toISOString();
  await inBatches(userIds, 100, 8, (chunk) =>
    api.post('/v1/batch', {
      batch: chunk.map((userId, i) => ({
        type: 'identify',
        messageId: `identify-${userId}`,
        userId,
        traits: {
          email: emailOf(userId),
          marketingConsent: true,
          firstName: `Name ${userId}`,
          vip: i % 3 === 0,
        },
        timestamp: now,
      })),
    }),
  );
}

export function trackMessage(userId: string) {
  return {
    type: 'track',
    messageId: `signup-${userId}`,
    userId,
    event: TRIGGER_EVENT,
    properties: { plan: userId.length % 2 ? 'pro' : 'free' },
    timestamp: new Date().toISOString(),
  };
}

export async function inBatches<T>(
  items: T[],
  size: number,
  clients: number,
  send: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const client = async () => {
    while (next < items.length) {
      const start = next;
      next += size;
      await send(items.slice(start, start + size));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
}
