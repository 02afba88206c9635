-- Central places: where each point comes from (the point given in the file,
-- the Destatis seat coordinate, the OSM place node, or an interior point of
-- the municipality).
ALTER TABLE central_places ADD COLUMN location_source text
    CONSTRAINT central_places_location_source_check
    CHECK (location_source IN ('geometry', 'destatis_seat', 'osm_place', 'interior_point'));
COMMENT ON COLUMN central_places.location_source IS 'Where the point comes from: geometry (given in the file), destatis_seat (Gemeindeverzeichnis coordinate), osm_place (OSM place node of that name inside the municipality), interior_point (inside the municipal polygon); NULL when unknown.';
