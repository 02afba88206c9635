#!/usr/bin/env bash
# osm_import.sh imports OSM extracts twice, side by side, and prints wall time
# and peak resident memory of each (GNU time -v):
#
#   ours:          the streaming road reader of data/osm and network.Build of
#                  car, bicycle and foot graphs (BenchmarkSaxonyOSMImport of
#                  cmd/reach, one run, in a process of its own);
#   osm2pgrouting: the OSM file converted to XML by osmium (timed on its own),
#                  then osm2pgrouting with its default mapconfig.xml into a
#                  scratch database with postgis and pgrouting (ways split at
#                  junctions, ways_vertices_pgr: a routable pgRouting graph).
#                  Its RSS is the client's; the PostgreSQL server's memory and
#                  CPU are not in it.
#
# Usage: bench/osm_import.sh [file.osm.pbf ...]
#   default: the real extracts in ../shared/data/osm (REACH_OSM_DIR to change).
#   A generated Saxony-sized extract: REACH_WRITE_PBF=/tmp/saxony.osm.pbf go test
#   ./cmd/reach -run '^TestWriteSaxonyPBF$' -v, then pass /tmp/saxony.osm.pbf.
# Environment: O2P_TIMEOUT (default 20m) bounds each osm2pgrouting run; O2P_CHUNK
#   (default 10000000) is its --chunk: with its own default of 20000,
#   osm2pgrouting 2.3.8 left out 117,528 of the 2,097,528 ways of the generated
#   Saxony-sized extract (1,980,000 edges; a behaviour its users report in
#   osm2pgrouting issues 269 and 296), with 10000000 it imports them all; PGHOST,
#   PGPORT, PGUSER (default 127.0.0.1, 5432, postgres); the scratch database
#   reach_o2p_bench is created and dropped again.
# Needs: Go, GNU time (/usr/bin/time), osmium-tool, osm2pgrouting and psql
#   (Debian: apt-get install osm2pgrouting osmium-tool time postgresql-client).
# Writes only to a temporary directory and the scratch database, never into
# the repository. Heavy at state size: run it under flock /tmp/reach-heavy.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
db=reach_o2p_bench
limit="${O2P_TIMEOUT:-20m}"
chunk="${O2P_CHUNK:-10000000}"
if [ "$#" -eq 0 ]; then
	dir="${REACH_OSM_DIR:-../shared/data/osm}"
	set -- "$dir"/*.osm.pbf
fi
for t in /usr/bin/time osmium osm2pgrouting psql; do
	command -v "$t" >/dev/null || { echo "osm_import.sh: $t not found" >&2; exit 2; }
done
work="$(mktemp -d)"
cleanup() {
	psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== machine"
echo "nproc: $(nproc)"
lscpu | head -n 15
free -m | head -n 2
uptime
go version
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
osmium --version | head -n 1
osm2pgrouting --version 2>&1 | head -n 1 || true
echo "osm2pgrouting --chunk: $chunk"
echo "date: $(date -u +%FT%TZ)"

go test -c -o "$work/reach.test" ./cmd/reach

# figures FILE prints "wall s, max RSS MB, exit" from a GNU time -v report.
figures() {
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
		/Maximum resident set size/ { rss = $2 / 1024 }
		/Exit status/ { ex = $2 }
		END { printf "%.1f s wall, %.0f MB max RSS, exit %s", wall, rss, ex }' "$1"
}

for f in "$@"; do
	name="$(basename "$f" .osm.pbf)"
	echo
	echo "== $name ($(stat -c %s "$f") bytes)"
	echo "-- uptime: $(uptime)"

	set +e
	/usr/bin/time -v -o "$work/ours.time" env REACH_BENCH_PBF="$f" "$work/reach.test" \
		-test.run '^$' -test.bench '^BenchmarkSaxonyOSMImport$' -test.benchtime 1x -test.timeout 60m \
		>"$work/ours.out" 2>&1
	set -e
	grep -E '^Benchmark|ways|FAIL' "$work/ours.out" | sed 's/^/   /' || true
	echo "ours: $(figures "$work/ours.time")"

	/usr/bin/time -v -o "$work/osmium.time" osmium cat --overwrite -o "$work/$name.osm" "$f"
	echo "osmium cat to XML ($(stat -c %s "$work/$name.osm") bytes): $(figures "$work/osmium.time")"

	psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	psql -q -d "$db" -c "CREATE EXTENSION postgis" -c "CREATE EXTENSION pgrouting"
	echo "-- uptime: $(uptime)"
	set +e
	timeout "$limit" /usr/bin/time -v -o "$work/o2p.time" osm2pgrouting -f "$work/$name.osm" \
		-c /usr/share/osm2pgrouting/mapconfig.xml --chunk "$chunk" -d "$db" -U "$PGUSER" -h "$PGHOST" -p "$PGPORT" --clean \
		>"$work/o2p.out" 2>&1
	rc=$?
	set -e
	tail -n 5 "$work/o2p.out" | sed 's/^/   /'
	if [ "$rc" -eq 124 ]; then
		echo "osm2pgrouting: did not finish within $limit (stopped)"
	else
		echo "osm2pgrouting: $(figures "$work/o2p.time")"
		psql -At -d "$db" -c "SELECT 'ways (edges): ' || count(*) FROM ways" \
			-c "SELECT 'ways_vertices_pgr (nodes): ' || count(*) FROM ways_vertices_pgr" 2>&1 | sed 's/^/   /' || true
	fi
	rm -f "$work/$name.osm"
done
