-- How each transit travel time was found: "transit" (reached), "unreachable" (a stop with a
-- departure in the window serves the cell, but no facility is reached) or "no_stop" (no such
-- stop within walking distance: the timetable does not serve the cell, the feed may end there).
-- Rows written before are "transit" or "unreachable" by their median; recompute them with
-- `reach analyze` to tell "no_stop" apart.
ALTER TABLE transit_travel_times ADD COLUMN method text;
UPDATE transit_travel_times SET method = CASE WHEN median_s IS NULL THEN 'unreachable' ELSE 'transit' END;
ALTER TABLE transit_travel_times ALTER COLUMN method SET NOT NULL;
ALTER TABLE transit_travel_times ADD CONSTRAINT transit_travel_times_method_check
    CHECK (method IN ('transit', 'unreachable', 'no_stop') AND (method = 'transit') = (median_s IS NOT NULL));
COMMENT ON COLUMN transit_travel_times.method IS 'transit (reached), unreachable (served by a stop, no facility reached) or no_stop (no stop with a departure in the window within walking distance)';
