import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journeys: definitions with immutable versions, one durable row per run (the engine's only state), the run
 * timeline, and the journey inbox — events and transitions that may start, advance or convert a run, queued by
 * triggers in the same transaction that stored them, so nothing between ingest and the engine can be lost.
 */
export class Journeys1763900006000 implements MigrationInterface {
  name = 'Journeys1763900006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        name text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'paused', 'archived')),
        -- the editable definition; publishing validates it and freezes a copy in journey_versions
        draft jsonb NOT NULL,
        current_version integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE journey_versions (
        journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        version integer NOT NULL,
        -- as published, with template keys resolved to pinned {id, version}
        definition jsonb NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (journey_id, version)
      )`);

    await q.query(`
      CREATE TABLE journey_runs (
        id uuid PRIMARY KEY,
        journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        version integer NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        -- '' unless the trigger is keyed (a cart id, a year for date triggers)
        run_key text NOT NULL DEFAULT '',
        status text NOT NULL CHECK (status IN ('active', 'waiting', 'completed', 'converted', 'exited', 'failed')),
        node_id text NOT NULL,
        -- arrive: the node has not run yet; parked: it ran and waits for wake_at; event: its awaited event came
        phase text NOT NULL CHECK (phase IN ('arrive', 'parked', 'event')),
        -- one more per node visited: the idempotency key of a step is (run, node, step)
        step integer NOT NULL DEFAULT 0,
        node_entered_at timestamptz NOT NULL,
        wake_at timestamptz,
        waiting_for text,
        context jsonb NOT NULL DEFAULT '{}',
        entered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        ended_at timestamptz,
        end_reason text,
        revenue numeric(14, 2),
        attempts integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    // At most one live run per customer, journey and key: concurrent enrolments cannot both win.
    await q.query(`
      CREATE UNIQUE INDEX journey_runs_live_idx ON journey_runs (journey_id, customer_id, run_key)
        WHERE status IN ('active', 'waiting')`);
    await q.query(`
      CREATE INDEX journey_runs_due_idx ON journey_runs (wake_at) WHERE status IN ('active', 'waiting')`);
    await q.query(
      `CREATE INDEX journey_runs_customer_idx ON journey_runs (customer_id, journey_id, entered_at)`,
    );
    await q.query(`CREATE INDEX journey_runs_journey_idx ON journey_runs (journey_id, entered_at, id)`);

    await q.query(`
      CREATE TABLE journey_steps (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES journey_runs (id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        node_id text NOT NULL,
        step integer NOT NULL,
        -- what happened when the node was left: next, branch, split, sent, skipped, waited, timeout, …
        outcome text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        entered_at timestamptz NOT NULL,
        left_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX journey_steps_run_idx ON journey_steps (run_id, id)`);
    await q.query(`CREATE INDEX journey_steps_node_idx ON journey_steps (journey_id, node_id)`);

    // What the live journeys listen to: event names, segment ids, score transition kinds. Publishing keeps it
    // current; the triggers below copy only matching rows to the inbox, so ingest pays nothing for the rest.
    await q.query(`
      CREATE TABLE journey_watches (
        kind text NOT NULL CHECK (kind IN ('event', 'segment', 'score')),
        name text NOT NULL,
        PRIMARY KEY (kind, name)
      )`);
    await q.query(`
      CREATE TABLE journey_inbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('event', 'segment_entered', 'segment_exited', 'clv_tier_changed')),
        -- event name, segment id, or the score kind
        name text NOT NULL,
        properties jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE FUNCTION journey_inbox_from_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journey_inbox (customer_id, kind, name, properties, at)
        SELECT n.customer_id, 'event', n.event, n.properties, n."timestamp" FROM new_rows n
         WHERE n.event IS NOT NULL
           AND EXISTS (SELECT 1 FROM journey_watches w WHERE w.kind = 'event' AND w.name = n.event)
         ORDER BY n.id;
        IF FOUND THEN PERFORM pg_notify('waymark_journey_inbox', ''); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER events_journey_inbox AFTER INSERT ON events
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION journey_inbox_from_events()`);

    await q.query(`
      CREATE FUNCTION journey_inbox_from_segments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journey_inbox (customer_id, kind, name, properties, at)
        SELECT n.customer_id, 'segment_' || n.kind, n.segment_id::text,
               jsonb_build_object('segmentVersion', n.segment_version), n.at FROM new_rows n
         WHERE EXISTS (SELECT 1 FROM journey_watches w WHERE w.kind = 'segment' AND w.name = n.segment_id::text)
         ORDER BY n.id;
        IF FOUND THEN PERFORM pg_notify('waymark_journey_inbox', ''); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER segment_transitions_journey_inbox AFTER INSERT ON segment_transitions
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION journey_inbox_from_segments()`);

    await q.query(`
      CREATE FUNCTION journey_inbox_from_scores() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journey_inbox (customer_id, kind, name, properties, at)
        SELECT n.customer_id, n.kind, n.kind, jsonb_build_object('from', n.from_value, 'to', n.to_value), n.at
          FROM new_rows n
         WHERE EXISTS (SELECT 1 FROM journey_watches w WHERE w.kind = 'score' AND w.name = n.kind)
         ORDER BY n.id;
        IF FOUND THEN PERFORM pg_notify('waymark_journey_inbox', ''); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER score_transitions_journey_inbox AFTER INSERT ON score_transitions
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION journey_inbox_from_scores()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS score_transitions_journey_inbox ON score_transitions`);
    await q.query(`DROP TRIGGER IF EXISTS segment_transitions_journey_inbox ON segment_transitions`);
    await q.query(`DROP TRIGGER IF EXISTS events_journey_inbox ON events`);
    await q.query(`DROP FUNCTION IF EXISTS journey_inbox_from_scores()`);
    await q.query(`DROP FUNCTION IF EXISTS journey_inbox_from_segments()`);
    await q.query(`DROP FUNCTION IF EXISTS journey_inbox_from_events()`);
    for (const table of [
      'journey_inbox',
      'journey_watches',
      'journey_steps',
      'journey_runs',
      'journey_versions',
      'journeys',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
