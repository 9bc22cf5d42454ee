import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * segment_transitions becomes a log without foreign keys. Each new row used to pay two key-share checks (customer and
 * segment), and the customer one locks a different customers row per transition: on a first refresh of a large
 * segment those checks were most of the time spent writing. Every new transition comes from a membership written in
 * the same statement, whose own foreign keys still hold the customer and the segment, so the log cannot name a
 * customer that was never there. What ON DELETE CASCADE did (erasure, merges, a deleted segment) is done by statement
 * triggers on the owning tables; they run after the row-level cascades, so a concurrent writer holding a membership
 * lock has committed and its transitions are visible to the trigger's DELETE.
 */
export class SegmentTransitionsLog1763900011000 implements MigrationInterface {
  name = 'SegmentTransitionsLog1763900011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE segment_transitions DROP CONSTRAINT segment_transitions_customer_id_fkey`);
    await q.query(`ALTER TABLE segment_transitions DROP CONSTRAINT segment_transitions_segment_id_fkey`);
    await q.query(`
      CREATE FUNCTION segment_transitions_forget_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM segment_transitions t USING gone g WHERE t.customer_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER customers_forget_segment_transitions AFTER DELETE ON customers
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION segment_transitions_forget_customers()`);
    await q.query(`
      CREATE FUNCTION segment_transitions_forget_segments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM segment_transitions t USING gone g WHERE t.segment_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER segments_forget_segment_transitions AFTER DELETE ON segments
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION segment_transitions_forget_segments()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER segments_forget_segment_transitions ON segments`);
    await q.query(`DROP FUNCTION segment_transitions_forget_segments()`);
    await q.query(`DROP TRIGGER customers_forget_segment_transitions ON customers`);
    await q.query(`DROP FUNCTION segment_transitions_forget_customers()`);
    await q.query(`
      DELETE FROM segment_transitions t
       WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = t.customer_id)
          OR NOT EXISTS (SELECT 1 FROM segments s WHERE s.id = t.segment_id)`);
    await q.query(`
      ALTER TABLE segment_transitions
        ADD CONSTRAINT segment_transitions_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
        ADD CONSTRAINT segment_transitions_segment_id_fkey FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE`);
  }
}
