-- Travel times by public transport from every populated cell to the nearest facility of a
-- category, over a window of departures (one per minute), waiting included (`reach analyze`).
CREATE TABLE transit_travel_times (
    category       text NOT NULL,
    inspire_id     text COLLATE "C" NOT NULL,
    ags            char(8) COLLATE "C",
    population     bigint CHECK (population >= 0),
    departure      timestamp NOT NULL,  -- local time of the first departure of the window
    window_minutes integer NOT NULL CHECK (window_minutes > 0),
    median_s       double precision CHECK (median_s >= 0), -- NULL: not reached within 120 min
    p10_s          double precision CHECK (p10_s >= 0),
    p90_s          double precision CHECK (p90_s >= 0),
    share_within   double precision CHECK (share_within BETWEEN 0 AND 1), -- NULL without a transit standard
    standard_min   double precision,
    computed_at    timestamptz NOT NULL,
    PRIMARY KEY (category, inspire_id)
);
CREATE INDEX transit_travel_times_ags_idx ON transit_travel_times (ags);
COMMENT ON TABLE transit_travel_times IS 'Public transport: median, 10th and 90th percentile of door-to-door seconds over the departure window, and the share of departures within the standard.';
