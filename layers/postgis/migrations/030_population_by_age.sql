-- Population by age (`reach import projection FILE`): the counted base year and the regional
-- population projections (e.g. the Statistisches Landesamt Sachsen's regionalised projection to
-- 2040, its variants), one row per area, year, variant and age group. variant '' is the counted
-- base year; area is an 8-digit AGS or a 5-digit Kreis key; ages are whole years, inclusive,
-- age_to NULL for the open group ("75 Jahre und mehr"). The groups of one area, year and variant
-- cover every age from 0 (checked by the reader before the load). The whole layer is replaced by
-- each import.
CREATE TABLE population_by_age (
    year      integer NOT NULL CHECK (year BETWEEN 1950 AND 2100),
    variant   text NOT NULL DEFAULT '',
    area      text NOT NULL CHECK (area ~ '^([0-9]{5}|[0-9]{8})$'),
    area_name text NOT NULL DEFAULT '',
    age_from  integer NOT NULL CHECK (age_from BETWEEN 0 AND 120),
    age_to    integer CHECK (age_to IS NULL OR age_to BETWEEN age_from AND 120),
    persons   double precision NOT NULL CHECK (persons >= 0 AND persons < 'Infinity'),
    PRIMARY KEY (area, year, variant, age_from)
);
COMMENT ON TABLE population_by_age IS 'Population by age: counted base year (variant empty) and projections by variant, per municipality (AGS) or district (Kreis key)';
CREATE TABLE population_by_age_source (
    id          integer PRIMARY KEY CHECK (id = 1),
    source      text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
