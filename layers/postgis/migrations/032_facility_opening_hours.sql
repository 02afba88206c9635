-- Opening times of a facility in the OSM opening_hours syntax that layers.ParseOpeningHours
-- reads (a subset: weekdays and time ranges); NULL when unknown, counted as always open.
ALTER TABLE facilities ADD COLUMN opening_hours text;
