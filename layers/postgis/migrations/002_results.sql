-- 002_results: computed results written back next to the layers.

CREATE TABLE graph_car (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL,
    target       bigint NOT NULL,
    cost         double precision NOT NULL,
    reverse_cost double precision NOT NULL,
    length_m     double precision NOT NULL CONSTRAINT graph_car_length_check CHECK (length_m >= 0),
    geom         geometry(LineString, 25833)
);
CREATE INDEX graph_car_source_idx ON graph_car (source);
CREATE INDEX graph_car_target_idx ON graph_car (target);
CREATE INDEX graph_car_geom_idx ON graph_car USING gist (geom);
COMMENT ON TABLE graph_car IS 'Routable car graph in pgRouting''s edge-table convention: cost and reverse_cost in seconds, negative when that direction is closed; length in metres; EPSG:25833.';

CREATE TABLE graph_bicycle (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL,
    target       bigint NOT NULL,
    cost         double precision NOT NULL,
    reverse_cost double precision NOT NULL,
    length_m     double precision NOT NULL CONSTRAINT graph_bicycle_length_check CHECK (length_m >= 0),
    geom         geometry(LineString, 25833)
);
CREATE INDEX graph_bicycle_source_idx ON graph_bicycle (source);
CREATE INDEX graph_bicycle_target_idx ON graph_bicycle (target);
CREATE INDEX graph_bicycle_geom_idx ON graph_bicycle USING gist (geom);
COMMENT ON TABLE graph_bicycle IS 'Routable bicycle graph in pgRouting''s edge-table convention: cost and reverse_cost in seconds, negative when that direction is closed; length in metres; EPSG:25833.';

CREATE TABLE graph_foot (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL,
    target       bigint NOT NULL,
    cost         double precision NOT NULL,
    reverse_cost double precision NOT NULL,
    length_m     double precision NOT NULL CONSTRAINT graph_foot_length_check CHECK (length_m >= 0),
    geom         geometry(LineString, 25833)
);
CREATE INDEX graph_foot_source_idx ON graph_foot (source);
CREATE INDEX graph_foot_target_idx ON graph_foot (target);
CREATE INDEX graph_foot_geom_idx ON graph_foot USING gist (geom);
COMMENT ON TABLE graph_foot IS 'Routable foot graph in pgRouting''s edge-table convention: cost and reverse_cost in seconds, negative when that direction is closed; length in metres; EPSG:25833.';

CREATE TABLE result_runs (
    result      text NOT NULL CONSTRAINT result_runs_result_check CHECK (result IN ('travel_times', 'gaps')),
    category    text NOT NULL CONSTRAINT result_runs_category_check CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage')),
    mode        text NOT NULL CONSTRAINT result_runs_mode_check CHECK (mode IN ('car', 'bicycle', 'foot')),
    computed_at timestamptz NOT NULL,
    provenance  jsonb,
    PRIMARY KEY (result, category, mode)
);
COMMENT ON TABLE result_runs IS 'Provenance of the stored travel_times and gaps per category and mode.';

CREATE TABLE travel_times (
    category    text NOT NULL CONSTRAINT travel_times_category_check CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage')),
    mode        text NOT NULL CONSTRAINT travel_times_mode_check CHECK (mode IN ('car', 'bicycle', 'foot')),
    inspire_id  text COLLATE "C" NOT NULL,
    ags         char(8) COLLATE "C",
    population  bigint CONSTRAINT travel_times_population_check CHECK (population >= 0),
    reached     boolean NOT NULL,
    seconds     double precision CONSTRAINT travel_times_seconds_check CHECK (seconds >= 0),
    distance_m  double precision CONSTRAINT travel_times_distance_check CHECK (distance_m >= 0),
    facility_id text,
    method      text,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (category, mode, inspire_id)
);
CREATE INDEX travel_times_ags_idx ON travel_times (ags);
COMMENT ON TABLE travel_times IS 'Travel time in seconds from each grid cell to the nearest facility of a category by a mode; seconds NULL when not reached; population NULL for secret cells.';

CREATE VIEW travel_times_cells AS
    SELECT t.*, g.geom FROM travel_times t JOIN population_grid g USING (inspire_id);
COMMENT ON VIEW travel_times_cells IS 'travel_times with the cell polygons (EPSG:3035), for GIS tools.';

CREATE TABLE gaps (
    category          text NOT NULL CONSTRAINT gaps_category_check CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage')),
    mode              text NOT NULL CONSTRAINT gaps_mode_check CHECK (mode IN ('car', 'bicycle', 'foot')),
    inspire_id        text COLLATE "C" NOT NULL,
    ags               char(8) COLLATE "C",
    population        bigint NOT NULL CONSTRAINT gaps_population_check CHECK (population >= 0),
    seconds           double precision CONSTRAINT gaps_seconds_check CHECK (seconds >= 0),
    reached           boolean NOT NULL,
    standard_seconds  double precision NOT NULL CONSTRAINT gaps_standard_check CHECK (standard_seconds >= 0),
    thinly_populated  boolean NOT NULL,
    structurally_weak boolean NOT NULL,
    computed_at       timestamptz NOT NULL,
    PRIMARY KEY (category, mode, inspire_id)
);
CREATE INDEX gaps_ags_idx ON gaps (ags);
COMMENT ON TABLE gaps IS 'Populated cells outside the standard for a category and mode; seconds NULL when unreachable.';

CREATE VIEW gaps_cells AS
    SELECT x.*, g.geom FROM gaps x JOIN population_grid g USING (inspire_id);
COMMENT ON VIEW gaps_cells IS 'gaps with the cell polygons (EPSG:3035), for GIS tools.';

CREATE TABLE result_documents (
    kind        text COLLATE "C" NOT NULL CONSTRAINT result_documents_kind_check CHECK (kind <> ''),
    key         text COLLATE "C" NOT NULL,
    doc         jsonb NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
COMMENT ON TABLE result_documents IS 'JSON result documents (assessments, rankings, site suggestions, classifications) by kind and key.';
