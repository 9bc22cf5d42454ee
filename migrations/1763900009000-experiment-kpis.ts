import { MigrationInterface, QueryRunner } from 'typeorm';

/** A message event type the per-person open, click and unsubscribe KPIs are made of. */
const EVENT_TYPES = `('open', 'click', 'unsubscribe')`;

/** Revenue of one order event: its numeric `revenue` property, else 0 (numeric, so sums and reversals are exact). */
const orderRevenue = (properties: string) =>
  `coalesce(CASE WHEN jsonb_typeof(${properties} -> 'revenue') = 'number' THEN (${properties} -> 'revenue')::numeric END, 0)`;

/**
 * Summary rows for the assignments in `source` (a relation with experiment_assignments' columns), computed from the
 * source tables with the definitions experiment results use: sends are the customer's messages with status 'sent'
 * tagged with the experiment and the customer's arm; opens, clicks and unsubscribes count those messages' events;
 * orders and revenue are the customer's Order Completed events at or after the assignment, inside the experiment's
 * window.
 */
const insertComputed = (source: string) => `
  INSERT INTO experiment_customer_kpis
    (experiment_id, customer_id, arm, segments, weights, sends, opens, clicks, unsubscribes, orders, revenue)
  WITH a AS (
    SELECT a.experiment_id, a.customer_id, a.arm, a.segments, a.weights, a.assigned_at,
           x.key, x.starts_at, x.ends_at
      FROM ${source} a JOIN experiments x ON x.id = a.experiment_id),
  s AS (
    SELECT a.experiment_id, a.customer_id, msg.id
      FROM a JOIN messages msg
        ON msg.customer_id = a.customer_id AND msg.status = 'sent'
       AND msg.context ->> 'experiment' = a.key AND msg.context ->> 'variant' = a.arm),
  sends AS (SELECT experiment_id, customer_id, count(*) AS sends FROM s GROUP BY experiment_id, customer_id),
  e AS (
    SELECT s.experiment_id, s.customer_id, count(*) FILTER (WHERE ev.type = 'open') AS opens,
           count(*) FILTER (WHERE ev.type = 'click') AS clicks,
           count(*) FILTER (WHERE ev.type = 'unsubscribe') AS unsubscribes
      FROM s JOIN message_events ev ON ev.message_id = s.id
     WHERE ev.type IN ${EVENT_TYPES}
     GROUP BY s.experiment_id, s.customer_id),
  o AS (
    SELECT a.experiment_id, a.customer_id, count(*) AS orders, sum(${orderRevenue('ev.properties')}) AS revenue
      FROM a JOIN events ev
        ON ev.customer_id = a.customer_id AND ev.type = 'track' AND ev.event = 'Order Completed'
       AND ev."timestamp" >= a.assigned_at
       AND (a.starts_at IS NULL OR ev."timestamp" >= a.starts_at)
       AND (a.ends_at IS NULL OR ev."timestamp" < a.ends_at)
     GROUP BY a.experiment_id, a.customer_id)
  SELECT a.experiment_id, a.customer_id, a.arm, a.segments, a.weights,
         coalesce(sends.sends, 0), coalesce(e.opens, 0), coalesce(e.clicks, 0), coalesce(e.unsubscribes, 0),
         coalesce(o.orders, 0), coalesce(o.revenue, 0)
    FROM a
    LEFT JOIN sends ON sends.experiment_id = a.experiment_id AND sends.customer_id = a.customer_id
    LEFT JOIN e ON e.experiment_id = a.experiment_id AND e.customer_id = a.customer_id
    LEFT JOIN o ON o.experiment_id = a.experiment_id AND o.customer_id = a.customer_id`;

/**
 * experiment_customer_kpis: one row per experiment assignment with what experiment results count for that person
 * (sends, open/click/unsubscribe events of those sends, orders and revenue in the window), kept current by triggers
 * on the tables the counts come from, so results aggregate one narrow row per assigned customer instead of joining
 * every message event. Counters rather than flags, so every change can be reversed exactly (a sent message that
 * bounces, a deleted message, an order moved by a customer merge, a changed experiment window).
 *
 * Concurrency (READ COMMITTED): an open/click/unsubscribe locks its message FOR SHARE while reading its status, so a
 * concurrent status change (sent → bounced) and the event are applied in one order; an assignment locks its customer
 * FOR UPDATE before counting the customer's past orders, and an order's foreign-key check (KEY SHARE on the
 * customer, which fires before these triggers by name) waits for it, so an order racing a first exposure is counted
 * exactly once; a window change takes SHARE ROW EXCLUSIVE on the summary while it recounts orders.
 */
export class ExperimentKpis1763900009000 implements MigrationInterface {
  name = 'ExperimentKpis1763900009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiment_customer_kpis (
        experiment_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        sends integer NOT NULL DEFAULT 0,
        opens integer NOT NULL DEFAULT 0,
        clicks integer NOT NULL DEFAULT 0,
        unsubscribes integer NOT NULL DEFAULT 0,
        orders integer NOT NULL DEFAULT 0,
        -- copies of the assignment (immutable), so results read this table alone
        arm text,
        segments text[] NOT NULL DEFAULT '{}',
        weights float8[],
        revenue numeric NOT NULL DEFAULT 0,
        PRIMARY KEY (experiment_id, customer_id),
        FOREIGN KEY (experiment_id, customer_id)
          REFERENCES experiment_assignments (experiment_id, customer_id) ON DELETE CASCADE
      ) WITH (fillfactor = 85)`);

    // Recomputes one experiment's rows (all experiments when null) from the source tables: the backfill below,
    // bulk loads that bypassed triggers (session_replication_role = replica), and a repair tool.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_rebuild(p_experiment uuid) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE n bigint;
      BEGIN
        LOCK TABLE experiment_customer_kpis IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM experiment_customer_kpis WHERE p_experiment IS NULL OR experiment_id = p_experiment;
        ${insertComputed(`(SELECT * FROM experiment_assignments WHERE p_experiment IS NULL OR experiment_id = p_experiment)`)};
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
      END $$`);

    // New assignments: their rows, counting what already happened (normally nothing).
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM customers c WHERE c.id IN (SELECT customer_id FROM new_assignments) ORDER BY c.id FOR UPDATE;
        ${insertComputed('new_assignments')};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER experiment_assignments_kpis AFTER INSERT ON experiment_assignments
        REFERENCING NEW TABLE AS new_assignments FOR EACH STATEMENT
        EXECUTE FUNCTION experiment_customer_kpis_from_assignments()`);

    // A message entering (sign 1) or leaving (sign -1) the counted state: the send and its events so far.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_message(p_message uuid, p_customer uuid, p_context jsonb, p_sign integer)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE experiment_customer_kpis k
           SET sends = k.sends + p_sign, opens = k.opens + p_sign * e.opens, clicks = k.clicks + p_sign * e.clicks,
               unsubscribes = k.unsubscribes + p_sign * e.unsubscribes
          FROM experiments x,
               (SELECT (count(*) FILTER (WHERE ev.type = 'open'))::int AS opens,
                       (count(*) FILTER (WHERE ev.type = 'click'))::int AS clicks,
                       (count(*) FILTER (WHERE ev.type = 'unsubscribe'))::int AS unsubscribes
                  FROM message_events ev WHERE ev.message_id = p_message AND ev.type IN ${EVENT_TYPES}) e
         WHERE x.key = p_context ->> 'experiment' AND k.experiment_id = x.id AND k.customer_id = p_customer
           AND k.arm = p_context ->> 'variant';
      END $$`);
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_messages() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was boolean := false;
        counted boolean := false;
      BEGIN
        IF TG_OP <> 'INSERT' THEN was := OLD.status = 'sent' AND OLD.context ? 'experiment'; END IF;
        IF TG_OP <> 'DELETE' THEN counted := NEW.status = 'sent' AND NEW.context ? 'experiment'; END IF;
        IF was AND counted THEN
          IF OLD.id = NEW.id AND OLD.customer_id = NEW.customer_id
             AND OLD.context -> 'experiment' = NEW.context -> 'experiment'
             AND OLD.context -> 'variant' IS NOT DISTINCT FROM NEW.context -> 'variant' THEN
            RETURN NULL;
          END IF;
        END IF;
        IF was THEN PERFORM experiment_customer_kpis_message(OLD.id, OLD.customer_id, OLD.context, -1); END IF;
        IF counted THEN PERFORM experiment_customer_kpis_message(NEW.id, NEW.customer_id, NEW.context, 1); END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER messages_experiment_kpis AFTER INSERT ON messages FOR EACH ROW
        WHEN (NEW.status = 'sent' AND NEW.context ? 'experiment')
        EXECUTE FUNCTION experiment_customer_kpis_from_messages()`);
    await q.query(`
      CREATE TRIGGER messages_experiment_kpis_update AFTER UPDATE ON messages FOR EACH ROW
        WHEN ((OLD.status = 'sent' AND OLD.context ? 'experiment') OR (NEW.status = 'sent' AND NEW.context ? 'experiment'))
        EXECUTE FUNCTION experiment_customer_kpis_from_messages()`);
    // BEFORE: its events are still there to subtract; the cascade that deletes them then finds no message.
    await q.query(`
      CREATE TRIGGER messages_experiment_kpis_delete BEFORE DELETE ON messages FOR EACH ROW
        WHEN (OLD.status = 'sent' AND OLD.context ? 'experiment')
        EXECUTE FUNCTION experiment_customer_kpis_from_messages()`);

    // Open, click and unsubscribe events of counted messages. Inserts come one per tracked request: a row trigger
    // (whose WHEN skips 'sent' and bounce events) costs about half a statement trigger with a transition table.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_message_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE experiment_customer_kpis k
           SET opens = k.opens + (NEW.type = 'open')::int, clicks = k.clicks + (NEW.type = 'click')::int,
               unsubscribes = k.unsubscribes + (NEW.type = 'unsubscribe')::int
          FROM (SELECT msg.customer_id, msg.context FROM messages msg
                 WHERE msg.id = NEW.message_id AND msg.status = 'sent' AND msg.context ? 'experiment'
                   FOR SHARE) m,
               experiments x
         WHERE x.key = m.context ->> 'experiment' AND k.experiment_id = x.id AND k.customer_id = m.customer_id
           AND k.arm = m.context ->> 'variant';
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER message_events_experiment_kpis_insert AFTER INSERT ON message_events FOR EACH ROW
        WHEN (NEW.type IN ${EVENT_TYPES}) EXECUTE FUNCTION experiment_customer_kpis_from_message_event()`);
    // Deletes (none in the product; a message's events go with it, after its BEFORE DELETE trigger subtracted
    // them, and then find no message here), set-based per statement.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_message_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH m AS (
          SELECT msg.id, msg.customer_id, msg.context ->> 'experiment' AS experiment, msg.context ->> 'variant' AS variant
            FROM messages msg
           WHERE msg.id IN (SELECT message_id FROM old_events WHERE type IN ${EVENT_TYPES})
             AND msg.status = 'sent' AND msg.context ? 'experiment'
           ORDER BY msg.id
             FOR SHARE OF msg),
        d AS (
          SELECT x.id AS experiment_id, m.customer_id, m.variant,
                 (count(*) FILTER (WHERE n.type = 'open'))::int AS opens,
                 (count(*) FILTER (WHERE n.type = 'click'))::int AS clicks,
                 (count(*) FILTER (WHERE n.type = 'unsubscribe'))::int AS unsubscribes
            FROM old_events n JOIN m ON m.id = n.message_id JOIN experiments x ON x.key = m.experiment
           WHERE n.type IN ${EVENT_TYPES}
           GROUP BY x.id, m.customer_id, m.variant)
        UPDATE experiment_customer_kpis k
           SET opens = k.opens - d.opens, clicks = k.clicks - d.clicks, unsubscribes = k.unsubscribes - d.unsubscribes
          FROM d
         WHERE k.experiment_id = d.experiment_id AND k.customer_id = d.customer_id AND k.arm = d.variant;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER message_events_experiment_kpis_delete AFTER DELETE ON message_events
        REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT
        EXECUTE FUNCTION experiment_customer_kpis_from_message_events_delete()`);

    // Orders: rare among events, so a row trigger whose WHEN keeps every other event free of cost.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_order(p_customer uuid, p_at timestamptz, p_properties jsonb,
                                                     p_sign integer)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE experiment_customer_kpis k
           SET orders = k.orders + p_sign, revenue = k.revenue + p_sign * ${orderRevenue('p_properties')}
          FROM experiment_assignments a JOIN experiments x ON x.id = a.experiment_id
         WHERE a.customer_id = p_customer AND p_at >= a.assigned_at
           AND (x.starts_at IS NULL OR p_at >= x.starts_at) AND (x.ends_at IS NULL OR p_at < x.ends_at)
           AND k.experiment_id = a.experiment_id AND k.customer_id = a.customer_id;
      END $$`);
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF OLD.customer_id = NEW.customer_id AND OLD."timestamp" = NEW."timestamp"
             AND OLD.properties -> 'revenue' IS NOT DISTINCT FROM NEW.properties -> 'revenue'
             AND OLD.type = NEW.type AND OLD.event IS NOT DISTINCT FROM NEW.event THEN
            RETURN NULL;
          END IF;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          IF OLD.type = 'track' AND OLD.event = 'Order Completed' THEN
            PERFORM experiment_customer_kpis_order(OLD.customer_id, OLD."timestamp", OLD.properties, -1);
          END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          IF NEW.type = 'track' AND NEW.event = 'Order Completed' THEN
            PERFORM experiment_customer_kpis_order(NEW.customer_id, NEW."timestamp", NEW.properties, 1);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER events_experiment_kpis AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.type = 'track' AND NEW.event = 'Order Completed')
        EXECUTE FUNCTION experiment_customer_kpis_from_orders()`);
    await q.query(`
      CREATE TRIGGER events_experiment_kpis_update AFTER UPDATE ON events FOR EACH ROW
        WHEN ((OLD.type = 'track' AND OLD.event = 'Order Completed') OR (NEW.type = 'track' AND NEW.event = 'Order Completed'))
        EXECUTE FUNCTION experiment_customer_kpis_from_orders()`);
    await q.query(`
      CREATE TRIGGER events_experiment_kpis_delete AFTER DELETE ON events FOR EACH ROW
        WHEN (OLD.type = 'track' AND OLD.event = 'Order Completed')
        EXECUTE FUNCTION experiment_customer_kpis_from_orders()`);

    // A changed window changes which orders count: recount them for that experiment.
    await q.query(`
      CREATE FUNCTION experiment_customer_kpis_from_window() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE experiment_customer_kpis IN SHARE ROW EXCLUSIVE MODE;
        UPDATE experiment_customer_kpis k SET orders = o.orders, revenue = o.revenue
          FROM (SELECT a.customer_id, count(ev.id)::int AS orders,
                       coalesce(sum(${orderRevenue('ev.properties')}), 0) AS revenue
                  FROM experiment_assignments a
                  LEFT JOIN events ev
                    ON ev.customer_id = a.customer_id AND ev.type = 'track' AND ev.event = 'Order Completed'
                   AND ev."timestamp" >= a.assigned_at
                   AND (NEW.starts_at IS NULL OR ev."timestamp" >= NEW.starts_at)
                   AND (NEW.ends_at IS NULL OR ev."timestamp" < NEW.ends_at)
                 WHERE a.experiment_id = NEW.id
                 GROUP BY a.customer_id) o
         WHERE k.experiment_id = NEW.id AND k.customer_id = o.customer_id
           AND (k.orders <> o.orders OR k.revenue <> o.revenue);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER experiments_window_kpis AFTER UPDATE ON experiments FOR EACH ROW
        WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at)
        EXECUTE FUNCTION experiment_customer_kpis_from_window()`);

    await q.query(`SELECT experiment_customer_kpis_rebuild(NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['experiments_window_kpis', 'experiments'],
      ['events_experiment_kpis_delete', 'events'],
      ['events_experiment_kpis_update', 'events'],
      ['events_experiment_kpis', 'events'],
      ['message_events_experiment_kpis_delete', 'message_events'],
      ['message_events_experiment_kpis_insert', 'message_events'],
      ['messages_experiment_kpis_delete', 'messages'],
      ['messages_experiment_kpis_update', 'messages'],
      ['messages_experiment_kpis', 'messages'],
      ['experiment_assignments_kpis', 'experiment_assignments'],
    ]) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
    }
    for (const fn of [
      'experiment_customer_kpis_from_window()',
      'experiment_customer_kpis_from_orders()',
      'experiment_customer_kpis_order(uuid, timestamptz, jsonb, integer)',
      'experiment_customer_kpis_from_message_events_delete()',
      'experiment_customer_kpis_from_message_event()',
      'experiment_customer_kpis_from_messages()',
      'experiment_customer_kpis_message(uuid, uuid, jsonb, integer)',
      'experiment_customer_kpis_from_assignments()',
      'experiment_customer_kpis_rebuild(uuid)',
    ]) {
      await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
    }
    await q.query(`DROP TABLE IF EXISTS experiment_customer_kpis`);
  }
}
