-- Projects: the kind facility_upgrade (with the facility it improves and
-- what it changes), the category "other" for fields of the call outside the
-- catalogue, where a located geometry came from, and the money range.
ALTER TABLE projects DROP CONSTRAINT projects_kind_check;
ALTER TABLE projects ADD CONSTRAINT projects_kind_check
    CHECK (kind IN ('new_facility', 'road_upgrade', 'area_service', 'facility_upgrade'));
ALTER TABLE projects DROP CONSTRAINT projects_category_check;
ALTER TABLE projects ADD CONSTRAINT projects_category_check
    CHECK (category IN ('general_practice', 'hospital', 'pharmacy', 'dentist', 'primary_school', 'secondary_school', 'gymnasium', 'kita', 'fire_station', 'sports', 'senior_care', 'town_hall', 'community_centre', 'water_supply', 'sewage', 'other'));
ALTER TABLE projects
    ADD COLUMN location_source      text,
    ADD COLUMN facility_id          text,
    ADD COLUMN capacity_change      double precision,
    ADD COLUMN opening_hours_change double precision,
    ADD COLUMN accessible_for       text;
ALTER TABLE projects ADD CONSTRAINT projects_money_check
    CHECK (investment_cost <= 100000000 AND requested_funding <= 100000000) NOT VALID;
COMMENT ON COLUMN projects.location_source IS 'Where the geometry came from when the applicant gave none (e.g. the seat of the municipality); NULL when drawn.';
COMMENT ON COLUMN projects.facility_id IS 'facility_upgrade: the facility improved; NULL means the nearest facility of the category to the site.';
COMMENT ON COLUMN projects.capacity_change IS 'facility_upgrade: change of capacity in the facility''s unit (places, beds, doctors).';
COMMENT ON COLUMN projects.opening_hours_change IS 'facility_upgrade: change of opening hours per week.';
COMMENT ON COLUMN projects.accessible_for IS 'facility_upgrade: the population group whose access improves.';
