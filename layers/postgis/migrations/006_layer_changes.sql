-- Versions of the served collections. Every statement that writes a table
-- behind a collection (a load, a submitted project, an edit in QGIS or psql)
-- bumps its row in the same transaction, so a version seen together with the
-- data always names exactly that data: responses are cached under it.
CREATE TABLE layer_changes (
    tbl     text PRIMARY KEY,
    epoch   uuid NOT NULL DEFAULT gen_random_uuid(),
    version bigint NOT NULL DEFAULT 1
);
COMMENT ON TABLE layer_changes IS 'Content version of each served table, bumped by a trigger on every write; epoch tells databases apart.';

INSERT INTO layer_changes (tbl) VALUES
    ('municipalities'), ('population_grid'), ('central_places'), ('facilities'), ('roads'), ('projects');

CREATE FUNCTION layer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer_changes SET version = version + 1 WHERE tbl = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE TRIGGER municipalities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON municipalities
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('municipalities');
CREATE TRIGGER municipality_indicators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON municipality_indicators
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('municipalities');
CREATE TRIGGER population_grid_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON population_grid
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('population_grid');
CREATE TRIGGER central_places_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON central_places
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('central_places');
CREATE TRIGGER facilities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON facilities
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('facilities');
CREATE TRIGGER roads_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('roads');
CREATE TRIGGER projects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION layer_changed('projects');
