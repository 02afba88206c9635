-- Every bump of a served table's version is also announced on the channel
-- reach_layer_changes (payload: the table), delivered when the writing
-- transaction commits. A server that listens can then keep the versions in
-- memory and answer cached pages and tiles without asking the database.
CREATE OR REPLACE FUNCTION layer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer_changes SET version = version + 1 WHERE tbl = TG_ARGV[0];
    PERFORM pg_notify('reach_layer_changes', TG_ARGV[0]);
    RETURN NULL;
END
$$;
