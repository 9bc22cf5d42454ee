import { Api, emailOf, trackMessage } from './journeys-setup';
import type { SmtpPeer } from './smtp-peer';

export interface LatencyResult {
  sent: number;
  failures: string[];
  /** Per customer: SMTP peer acceptance minus the moment its /v1/track call was made, in ms; NaN if no mail. */
  latencies: number[];
  /** When each /v1/track call was made (Date.now()), by userId. */
  sentAt: Map<string, number>;
  achievedRps: number;
}

/**
 * Open loop: customer i's /v1/track is fired at start + i/rate whatever happened to earlier ones (no coordinated
 * omission), then we wait for every mail to arrive at the peer, matched by recipient.
 */
export async function triggerToInbox(
  api: Api,
  peer: SmtpPeer,
  userIds: string[],
  rate: number,
  waitMs: number,
): Promise<LatencyResult> {
  const interval = 1000 / rate;
  const sentAt = new Array<number>(userIds.length).fill(NaN);
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const start = Date.now() + 20;
  let i = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = Date.now();
      for (; i < userIds.length && start + i * interval <= now; i++) {
        const k = i;
        sentAt[k] = Date.now();
        inFlight.push(
          api.post('/v1/track', trackMessage(userIds[k])).then(
            () => undefined,
            (e: Error) => void failures.push(e.message),
          ),
        );
      }
      if (i < userIds.length) setTimeout(tick, Math.max(0, start + i * interval - Date.now()));
      else done();
    };
    setTimeout(tick, 20);
  });
  await Promise.all(inFlight);
  const lastSent = Date.now();
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && !userIds.every((u) => peer.receivedAt.has(emailOf(u))))
    await new Promise((r) => setTimeout(r, 100));
  const latencies = userIds.map((u, k) => (peer.receivedAt.get(emailOf(u)) ?? NaN) - sentAt[k]);
  return {
    sent: userIds.length,
    failures,
    latencies,
    sentAt: new Map(userIds.map((u, k) => [u, sentAt[k]])),
    achievedRps: userIds.length / ((lastSent - start) / 1000),
  };
}

export interface StageRow {
  userId: string;
  enteredAt: Date;
  endedAt: Date | null;
}

/**
 * Where the time goes, per customer, from the rows the server wrote (same machine, same clock): track call → run
 * started (ingest + inbox), → run ended (engine: wait, branch, split, outbox row), → email at the peer (sender).
 */
export function stages(rows: StageRow[], result: LatencyResult, peer: SmtpPeer) {
  const enrol: number[] = [];
  const engine: number[] = [];
  const send: number[] = [];
  for (const r of rows) {
    const sent = result.sentAt.get(r.userId);
    const received = peer.receivedAt.get(emailOf(r.userId));
    if (sent === undefined || received === undefined || !r.endedAt) continue;
    enrol.push(new Date(r.enteredAt).getTime() - sent);
    engine.push(new Date(r.endedAt).getTime() - new Date(r.enteredAt).getTime());
    send.push(received - new Date(r.endedAt).getTime());
  }
  return { enrol, engine, send };
}
