-- 001_layers: the layers of reach, the system of record.
--
-- Metric geometries are stored in EPSG:25833 (ETRS89 / UTM 33N), grid cells in
-- EPSG:3035 (ETRS89-LAEA), their native CRS. Feature ids are text in the "C"
-- collation so that keyset paging orders them bytewise, as the in-memory store
-- does. Optional text is NULL, never ''.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE municipalities (
    ags             char(8) COLLATE "C" PRIMARY KEY CONSTRAINT municipalities_ags_check CHECK (ags ~ '^[0-9]{8}$'),
    name            text NOT NULL CONSTRAINT municipalities_name_check CHECK (name <> ''),
    kreis_ags       text COLLATE "C" CONSTRAINT municipalities_kreis_ags_check CHECK (kreis_ags ~ '^[0-9]{5}$'),
    kreis_name      text,
    planning_region text,
    geom            geometry(MultiPolygon, 25833),
    population      bigint NOT NULL DEFAULT 0 CONSTRAINT municipalities_population_check CHECK (population >= 0),
    population_date date,
    area_km2        double precision NOT NULL DEFAULT 0 CONSTRAINT municipalities_area_check CHECK (area_km2 >= 0),
    degurba         smallint CONSTRAINT municipalities_degurba_check CHECK (degurba BETWEEN 1 AND 3)
);
CREATE INDEX municipalities_geom_idx ON municipalities USING gist (geom);
CREATE INDEX municipalities_kreis_idx ON municipalities (kreis_ags);
CREATE INDEX municipalities_region_idx ON municipalities (planning_region);
CREATE INDEX municipalities_name_idx ON municipalities (name);
COMMENT ON TABLE municipalities IS 'Saxon municipalities (Gemeinden) keyed by 8-digit AGS; geometry EPSG:25833; population at population_date; degurba 1 cities, 2 towns and suburbs, 3 rural areas, NULL if not given.';

CREATE TABLE municipality_indicators (
    ags   char(8) COLLATE "C" NOT NULL REFERENCES municipalities (ags) ON DELETE CASCADE,
    key   text COLLATE "C" NOT NULL CONSTRAINT municipality_indicators_key_check CHECK (key ~ '^[a-z0-9_]+$'),
    value double precision NOT NULL,
    PRIMARY KEY (ags, key)
);
CREATE INDEX municipality_indicators_key_idx ON municipality_indicators (key);
COMMENT ON TABLE municipality_indicators IS 'Indicator values per municipality as key/value rows. Documented keys: purchasing_power_eur_per_inhabitant, retail_purchasing_power_eur_per_inhabitant (EUR per inhabitant), unemployed_count (absolute), settlement_transport_area_pct, recreation_area_pct (percent of area), population_forecast, population_forecast_year, population_change_pct, share_65plus_pct, population_zensus2022.';

CREATE TABLE memberships (
    ags        char(8) COLLATE "C" NOT NULL CONSTRAINT memberships_ags_check CHECK (ags ~ '^[0-9]{8}$'),
    kind       text NOT NULL CONSTRAINT memberships_kind_check CHECK (kind IN ('verbund', 'verwaltungsgemeinschaft', 'mittelbereich')),
    group_id   text COLLATE "C" NOT NULL CONSTRAINT memberships_group_check CHECK (group_id <> ''),
    group_name text,
    PRIMARY KEY (ags, kind, group_id)
);
CREATE INDEX memberships_group_idx ON memberships (kind, group_id);
COMMENT ON TABLE memberships IS 'Municipality to group (Verbund, Verwaltungsgemeinschaft, Mittelbereich), many to many.';

CREATE TABLE population_grid (
    inspire_id     text COLLATE "C" PRIMARY KEY CONSTRAINT population_grid_id_check CHECK (inspire_id ~ '^(CRS3035RES)?[0-9]+k?mN[0-9]+E[0-9]+$'),
    resolution_m   integer NOT NULL CONSTRAINT population_grid_resolution_check CHECK (resolution_m > 0),
    geom           geometry(Polygon, 3035) NOT NULL,
    population     bigint CONSTRAINT population_grid_population_check CHECK (population >= 0),
    secret         boolean GENERATED ALWAYS AS (population IS NULL) STORED,
    share_under_18 double precision CONSTRAINT population_grid_share_under_18_check CHECK (share_under_18 BETWEEN 0 AND 100),
    share_65_plus  double precision CONSTRAINT population_grid_share_65_plus_check CHECK (share_65_plus BETWEEN 0 AND 100),
    ags            char(8) COLLATE "C" CONSTRAINT population_grid_ags_check CHECK (ags ~ '^[0-9]{8}$'),
    year           smallint CONSTRAINT population_grid_year_check CHECK (year BETWEEN 1900 AND 2200)
);
CREATE INDEX population_grid_geom_idx ON population_grid USING gist (geom);
CREATE INDEX population_grid_ags_idx ON population_grid (ags);
CREATE INDEX population_grid_resolution_idx ON population_grid (resolution_m);
COMMENT ON TABLE population_grid IS 'Zensus population per INSPIRE grid cell, geometry EPSG:3035. population is NULL where the statistical office kept the value secret (secret = true); shares are percent.';

CREATE TABLE central_places (
    id              text COLLATE "C" PRIMARY KEY CONSTRAINT central_places_id_check CHECK (id <> ''),
    name            text NOT NULL,
    level           smallint NOT NULL CONSTRAINT central_places_level_check CHECK (level BETWEEN 0 AND 3),
    lep_type        text,
    verbund         text,
    members         text[] NOT NULL DEFAULT '{}',
    ags             char(8) COLLATE "C" CONSTRAINT central_places_ags_check CHECK (ags ~ '^[0-9]{8}$'),
    kreis_ags       text COLLATE "C",
    planning_region text,
    geom            geometry(Point, 25833),
    source          text
);
CREATE INDEX central_places_geom_idx ON central_places USING gist (geom);
CREATE INDEX central_places_level_idx ON central_places (level);
CREATE INDEX central_places_verbund_idx ON central_places (verbund);
CREATE INDEX central_places_ags_idx ON central_places (ags);
COMMENT ON TABLE central_places IS 'Central places (Zentrale Orte): level 3 Oberzentrum, 2 Mittelzentrum, 1 Grundzentrum; members are the AGS of the member municipalities; point EPSG:25833.';

CREATE TABLE facilities (
    id         text COLLATE "C" PRIMARY KEY CONSTRAINT facilities_id_check CHECK (id <> ''),
    category   text NOT NULL CONSTRAINT facilities_category_check CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage')),
    name       text,
    geom       geometry(Point, 25833) NOT NULL,
    capacity   double precision CONSTRAINT facilities_capacity_check CHECK (capacity >= 0),
    source     text NOT NULL CONSTRAINT facilities_source_check CHECK (source <> ''),
    source_key text COLLATE "C" GENERATED ALWAYS AS (split_part(source, ':', 1)) STORED,
    ags        char(8) COLLATE "C" CONSTRAINT facilities_ags_check CHECK (ags ~ '^[0-9]{8}$')
);
CREATE INDEX facilities_geom_idx ON facilities USING gist (geom);
CREATE INDEX facilities_category_idx ON facilities (category);
CREATE INDEX facilities_source_key_idx ON facilities (source_key);
CREATE INDEX facilities_ags_idx ON facilities (ags);
COMMENT ON TABLE facilities IS 'Public service facilities by category of the catalogue; point EPSG:25833; source_key is the part of source before the first colon and is the unit of replacement.';

CREATE TABLE roads (
    id               bigint PRIMARY KEY,
    way_id           bigint NOT NULL,
    from_node        bigint NOT NULL,
    to_node          bigint NOT NULL,
    geom             geometry(LineString, 25833) NOT NULL,
    highway          text NOT NULL,
    name             text,
    ref              text,
    length_m         double precision NOT NULL CONSTRAINT roads_length_check CHECK (length_m >= 0),
    car_forward      boolean NOT NULL,
    car_backward     boolean NOT NULL,
    car_kmh          double precision NOT NULL CONSTRAINT roads_car_kmh_check CHECK (car_kmh >= 0),
    bicycle_forward  boolean NOT NULL,
    bicycle_backward boolean NOT NULL,
    bicycle_kmh      double precision NOT NULL CONSTRAINT roads_bicycle_kmh_check CHECK (bicycle_kmh >= 0),
    foot_forward     boolean NOT NULL,
    foot_backward    boolean NOT NULL,
    foot_kmh         double precision NOT NULL CONSTRAINT roads_foot_kmh_check CHECK (foot_kmh >= 0),
    oneway           boolean NOT NULL,
    duration_s       double precision CONSTRAINT roads_duration_check CHECK (duration_s > 0)
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
CREATE INDEX roads_highway_idx ON roads (highway);
CREATE INDEX roads_way_idx ON roads (way_id);
COMMENT ON TABLE roads IS 'OSM road segments between network nodes, EPSG:25833, with access (forward = first to last vertex) and speed in km/h per mode; duration_s is a fixed traversal time (ferries).';

CREATE TABLE projects (
    id                text COLLATE "C" PRIMARY KEY CONSTRAINT projects_id_check CHECK (id <> ''),
    title             text NOT NULL,
    applicant         text,
    municipalities    text[] NOT NULL DEFAULT '{}',
    category          text CONSTRAINT projects_category_check CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage')),
    kind              text NOT NULL CONSTRAINT projects_kind_check CHECK (kind IN ('new_facility', 'road_upgrade', 'area_service')),
    geom              geometry(Geometry, 25833),
    investment_cost   double precision NOT NULL DEFAULT 0 CONSTRAINT projects_investment_check CHECK (investment_cost >= 0),
    requested_funding double precision NOT NULL DEFAULT 0 CONSTRAINT projects_funding_check CHECK (requested_funding >= 0),
    planning_region   text,
    status            text,
    submitted_at      timestamptz,
    speed_kmh         double precision NOT NULL DEFAULT 0 CONSTRAINT projects_speed_check CHECK (speed_kmh >= 0),
    innovation        double precision CONSTRAINT projects_innovation_check CHECK (innovation BETWEEN 0 AND 10),
    transferability   double precision CONSTRAINT projects_transferability_check CHECK (transferability BETWEEN 0 AND 10),
    synthetic         boolean NOT NULL DEFAULT false
);
CREATE INDEX projects_geom_idx ON projects USING gist (geom);
CREATE INDEX projects_status_idx ON projects (status);
CREATE INDEX projects_kind_idx ON projects (kind);
CREATE INDEX projects_category_idx ON projects (category);
CREATE INDEX projects_region_idx ON projects (planning_region);
COMMENT ON TABLE projects IS 'Proposals for funding; geometry EPSG:25833 (sites, road links or service area); costs in EUR; innovation and transferability are marks 0-10.';

CREATE TABLE layer_versions (
    layer     text COLLATE "C" PRIMARY KEY,
    version   text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    rows      bigint NOT NULL CONSTRAINT layer_versions_rows_check CHECK (rows >= 0)
);
COMMENT ON TABLE layer_versions IS 'Provenance: content hash, load time and row count of the last load of each layer.';
