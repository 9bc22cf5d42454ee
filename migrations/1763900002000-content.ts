import { MigrationInterface, QueryRunner } from 'typeorm';

/** Email templates: one row per template (key, newest version, archive flag) and its immutable versions. */
export class Content1763900002000 implements MigrationInterface {
  name = 'Content1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        name text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);
    await q.query(`CREATE INDEX templates_created_idx ON templates (created_at, id)`);
    await q.query(`
      CREATE TABLE template_versions (
        template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version > 0),
        name text NOT NULL,
        subject text NOT NULL,
        html text NOT NULL,
        text text,
        from_address text,
        reply_to text,
        blocks jsonb NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_id, version)
      )`);
    // A version is what a queued message was rendered from: it never changes once written.
    await q.query(`
      CREATE FUNCTION template_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'template versions are immutable (template %, version %)', OLD.template_id, OLD.version;
      END $$`);
    await q.query(`
      CREATE TRIGGER template_versions_no_update BEFORE UPDATE ON template_versions
        FOR EACH ROW EXECUTE FUNCTION template_versions_immutable()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS template_versions`);
    await q.query(`DROP FUNCTION IF EXISTS template_versions_immutable()`);
    await q.query(`DROP TABLE IF EXISTS templates`);
  }
}
