import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * segment_memberships loses its foreign keys, as segment_transitions did (1763900011000). On the 1,000,000-customer
 * bench the two checks took 2.0 s of the 4.3 s a first refresh of 174,000 members spent writing (1.4 s for the
 * customer key, whose key-share lock dirties a different customers page per member, and after a checkpoint writes
 * each such page whole to the WAL; 0.6 s for the segment key).
 *
 * What ON DELETE CASCADE did is done by statement triggers on the owners. The customers one is named to fire before
 * customers_forget_segment_transitions (triggers fire in name order): a refresh that deleted a membership of the
 * customer holds that row, so the membership DELETE waits for it to commit and the transitions DELETE then sees the
 * exit it logged. Nothing in the table stops a membership being written for a customer deleted meanwhile; the
 * writers see to that (src/segments/membership-writers.ts).
 */
export class SegmentMembershipsWithoutFks1763900013000 implements MigrationInterface {
  name = 'SegmentMembershipsWithoutFks1763900013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE segment_memberships DROP CONSTRAINT segment_memberships_customer_id_fkey`);
    await q.query(`ALTER TABLE segment_memberships DROP CONSTRAINT segment_memberships_segment_id_fkey`);
    await q.query(`
      CREATE FUNCTION segment_memberships_forget_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM segment_memberships m USING gone g WHERE m.customer_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER customers_forget_segment_memberships AFTER DELETE ON customers
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION segment_memberships_forget_customers()`);
    await q.query(`
      CREATE FUNCTION segment_memberships_forget_segments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM segment_memberships m USING gone g WHERE m.segment_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER segments_forget_segment_memberships AFTER DELETE ON segments
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION segment_memberships_forget_segments()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER segments_forget_segment_memberships ON segments`);
    await q.query(`DROP FUNCTION segment_memberships_forget_segments()`);
    await q.query(`DROP TRIGGER customers_forget_segment_memberships ON customers`);
    await q.query(`DROP FUNCTION segment_memberships_forget_customers()`);
    await q.query(`
      DELETE FROM segment_memberships m
       WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = m.customer_id)
          OR NOT EXISTS (SELECT 1 FROM segments s WHERE s.id = m.segment_id)`);
    await q.query(`
      ALTER TABLE segment_memberships
        ADD CONSTRAINT segment_memberships_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
        ADD CONSTRAINT segment_memberships_segment_id_fkey FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE`);
  }
}
