-- Public transport: one GTFS timetable (`reach import gtfs FILE.zip`), kept as GTFS gives it with
-- integer positions as keys (idx) besides the feed's own ids. Times are seconds after noon minus
-- 12 h of the service day (GTFS times; may exceed 86400 for trips past midnight); dates are
-- YYYYMMDD integers. Stops are points in EPSG:25833 (NULL for entrances or nodes without a position).
CREATE TABLE transit_feed (
    id          integer PRIMARY KEY CHECK (id = 1),
    name        text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE transit_agencies (
    idx       integer PRIMARY KEY,
    agency_id text NOT NULL,
    name      text NOT NULL,
    url       text,
    timezone  text
);
CREATE TABLE transit_stops (
    idx            integer PRIMARY KEY,
    stop_id        text NOT NULL UNIQUE,
    name           text NOT NULL,
    location_type  integer NOT NULL DEFAULT 0,
    parent_station text,
    lon            double precision NOT NULL,
    lat            double precision NOT NULL,
    geom           geometry(Point, 25833)
);
CREATE INDEX transit_stops_geom_idx ON transit_stops USING gist (geom);
CREATE TABLE transit_routes (
    idx        integer PRIMARY KEY,
    route_id   text NOT NULL UNIQUE,
    agency_id  text,
    short_name text,
    long_name  text,
    route_type integer NOT NULL
);
CREATE TABLE transit_services (
    idx        integer PRIMARY KEY,
    service_id text NOT NULL UNIQUE,
    weekdays   boolean[] NOT NULL CHECK (cardinality(weekdays) = 7), -- Monday first
    start_date integer NOT NULL,  -- 0: no calendar.txt row
    end_date   integer NOT NULL,
    added      integer[] NOT NULL, -- calendar_dates exception_type 1
    removed    integer[] NOT NULL  -- calendar_dates exception_type 2
);
CREATE TABLE transit_trips (
    idx         integer PRIMARY KEY,
    trip_id     text NOT NULL UNIQUE,
    route_idx   integer NOT NULL REFERENCES transit_routes (idx),
    service_idx integer NOT NULL REFERENCES transit_services (idx),
    headsign    text
);
CREATE TABLE transit_stop_times (
    trip_idx  integer NOT NULL REFERENCES transit_trips (idx),
    position  integer NOT NULL, -- 0, 1, … in stop_sequence order
    stop_idx  integer NOT NULL REFERENCES transit_stops (idx),
    arrival   integer NOT NULL, -- seconds; interpolated where the feed left them empty
    departure integer NOT NULL CHECK (departure >= arrival),
    PRIMARY KEY (trip_idx, position)
);
CREATE TABLE transit_frequencies (
    trip_idx    integer NOT NULL REFERENCES transit_trips (idx),
    start_time  integer NOT NULL,
    end_time    integer NOT NULL,
    headway_s   integer NOT NULL CHECK (headway_s > 0),
    exact_times boolean NOT NULL
);
CREATE TABLE transit_transfers (
    from_stop_idx     integer NOT NULL REFERENCES transit_stops (idx),
    to_stop_idx       integer NOT NULL REFERENCES transit_stops (idx),
    transfer_type     integer NOT NULL,
    min_transfer_time integer -- seconds, NULL when not given
);
COMMENT ON TABLE transit_stop_times IS 'GTFS stop_times; times in seconds after noon minus 12 h of the service day.';
