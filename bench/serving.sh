#!/usr/bin/env bash
# serving.sh measures reach's feature and tile endpoints side by side with
# CrunchyData pg_featureserv (v1.3.1) and pg_tileserv on one PostGIS
# database: a 100 m grid of about 400,000 cells over Saxony (the populated
# 1 km Zensus 2011 cells of ../shared/data subdivided, a fixed share of
# their 100 m cells kept, population spread evenly) plus the real
# municipalities (VG5000). Both sides run with max_parallel_workers_per_gather=0,
# 16 connections, interleaved rounds, loopback only (bench/serving_load.go).
# It prints the table of issue 14; BENCHMARKS.md records a run.
#
# Usage: flock /tmp/reach-heavy.lock bench/serving.sh [round-seconds] [rounds]
# Needs: Go (module proxy), psql, python3, PostgreSQL with PostGIS at
# REACH_BENCH_PGURL (default postgres://postgres@127.0.0.1:5432/postgres),
# and the baseline sources OUTSIDE this repository, in REACH_BENCH_SRC
# (default $HOME/reach-bench-src):
#   $REACH_BENCH_SRC/pg_featureserv  (tag v1.3.1)
#   $REACH_BENCH_SRC/pg_tileserv     (tag v1.0.9)
# e.g. git clone --branch v1.3.1 <pg_featureserv repository> pg_featureserv,
# or git archive of those tags. The script never writes into them: it copies
# each to a scratch directory, pins github.com/jackc/pgx/v4 of pg_featureserv
# to v4.18.3 (v1.3.1 ships v4.1.2, whose pool breaks under 16 parallel
# clients), and builds both. It prints a digest of each source
# tree and each go.sum so that a run names exactly what it measured.
# REACH_BENCH_CACHE_MB sets reach's --cache-mb (default 64); REACH_BENCH_POOL
# its --db-pool (default: reach's own default). The baselines run with their
# default settings (their own pool sizes), as a user would start them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
round="${1:-5}"
rounds="${2:-3}"
src="${REACH_BENCH_SRC:-$HOME/reach-bench-src}"
data="${REACH_TESTDATA:-../shared/data}"
admin="${REACH_BENCH_PGURL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="reach_bench_serving"
dburl="${admin%/*}/$db"
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql "$admin" -qAtc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

for d in "$src/pg_featureserv" "$src/pg_tileserv"; do
	[ -f "$d/go.mod" ] || { echo "serving.sh: no source tree at $d (see the header of this script)" >&2; exit 2; }
done

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "nproc: $(nproc)"; lscpu | grep -E 'Model name|^CPU\(s\)' || true
free -g | head -2; uptime; go version
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
psql "$admin" -Atc "SELECT version()"

echo "== build"
mkdir -p "$work/bin"
# treedigest DIR: one SHA-256 over the paths and contents of the files of DIR.
treedigest() { (cd "$1" && find . -type f ! -path './.git/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
grep -q 'setVersion string = "1.3.1"' "$src/pg_featureserv/internal/conf/appconfig.go" ||
	{ echo "serving.sh: $src/pg_featureserv is not pg_featureserv v1.3.1" >&2; exit 2; }
echo "pg_featureserv source: $src/pg_featureserv (v1.3.1, tree $(treedigest "$src/pg_featureserv"))"
echo "pg_tileserv source: $src/pg_tileserv (tree $(treedigest "$src/pg_tileserv"))"
cp -r "$src/pg_featureserv" "$work/pgfs"
cp -r "$src/pg_tileserv" "$work/pgts"
(cd "$work/pgfs" && go get github.com/jackc/pgx/v4@v4.18.3 && go mod tidy &&
	go build -o "$work/bin/pg_featureserv" .) >"$work/build.log" 2>&1 ||
	{ echo "serving.sh: building pg_featureserv failed:" >&2; tail -20 "$work/build.log" >&2; exit 1; }
(cd "$work/pgts" && go build -o "$work/bin/pg_tileserv" .) >>"$work/build.log" 2>&1 ||
	{ echo "serving.sh: building pg_tileserv failed:" >&2; tail -20 "$work/build.log" >&2; exit 1; }
go build -o "$work/bin/reach" ./cmd/reach
go build -o "$work/bin/serving_load" bench/serving_load.go
echo "pg_featureserv built with $(grep 'jackc/pgx/v4 ' "$work/pgfs/go.mod" | xargs) (go.sum $(sha256sum "$work/pgfs/go.sum" | cut -c1-16))"
echo "pg_tileserv built with $(grep 'jackc/pgx/v4 ' "$work/pgts/go.mod" | xargs) (go.sum $(sha256sum "$work/pgts/go.sum" | cut -c1-16))"

echo "== load"
psql "$admin" -qAtc "DROP DATABASE IF EXISTS $db" >/dev/null
psql "$admin" -qAtc "CREATE DATABASE $db"
psql "$dburl" -qAtc "CREATE EXTENSION IF NOT EXISTS postgis; ALTER DATABASE $db SET max_parallel_workers_per_gather = 0"
"$work/bin/reach" migrate --db "$dburl" >/dev/null
"$work/bin/reach" import --db "$dburl" municipalities "$data/boundaries/gemeinden_sachsen_vg5000_2021.geojson" >/dev/null
# 100 m cells of the populated 1 km cells; a fixed pseudo-random 34 % kept.
awk -F, 'NR == 1 { print "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner"; next }
	$4 > 0 {
		x0 = $2 - 500; y0 = $3 - 500
		for (i = 0; i < 10; i++) for (j = 0; j < 10; j++) {
			x = x0 + 100 * i; y = y0 + 100 * j
			if ((x / 100 * 7919 + y / 100 * 104729) % 100 >= 34) continue
			printf "CRS3035RES100mN%dE%d;%d;%d;%d\n", y, x, x + 50, y + 50, int($4 / 34 + 0.5)
		}
	}' "$data/grid/zensus2011_1km_sachsen_epsg3035.csv" > "$work/grid100m.csv"
"$work/bin/reach" import --db "$dburl" grid "$work/grid100m.csv" >/dev/null
psql "$dburl" -qAtc "VACUUM ANALYZE"
psql "$dburl" -Atc "SELECT 'cells: ' || count(*) FROM population_grid UNION ALL SELECT 'municipalities: ' || count(*) FROM municipalities"

echo "== servers"
pool=()
[ -n "${REACH_BENCH_POOL:-}" ] && pool=(--db-pool "$REACH_BENCH_POOL")
"$work/bin/reach" serve --db "$dburl" --addr 127.0.0.1:18080 --cache-mb "${REACH_BENCH_CACHE_MB:-64}" "${pool[@]}" >"$work/reach.log" 2>&1 &
pids+=($!); reach_pid=$!
DATABASE_URL="$dburl" PGFS_SERVER_HTTPPORT=19000 PGFS_SERVER_HTTPHOST=127.0.0.1 "$work/bin/pg_featureserv" >"$work/pgfs.log" 2>&1 &
pids+=($!)
DATABASE_URL="$dburl" TS_HTTPPORT=17800 TS_HTTPHOST=127.0.0.1 "$work/bin/pg_tileserv" >"$work/pgts.log" 2>&1 &
pids+=($!)
for u in http://127.0.0.1:18080/collections http://127.0.0.1:19000/collections.json http://127.0.0.1:17800/index.json; do
	for _ in $(seq 60); do curl -fs -o /dev/null "$u" && break; sleep 1; done
	curl -fs -o /dev/null "$u" || { echo "serving.sh: $u does not answer" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
done

# Reach loads the grid and the municipalities into memory at start (half of
# --cache-mb); the load starts once its log says they are held (or after 60 s).
for _ in $(seq 60); do
	[ "$(grep -c 'held in memory' "$work/reach.log" || true)" -ge 2 ] && break
	sleep 1
done
grep 'held in memory\|served from the database' "$work/reach.log" || echo "reach: no read model held after 60 s"

# The requests: the same tiles and boxes on both sides, around the Saxon
# towns (tiles) and at fixed random places (boxes).
python3 - "$work/spec.tsv" <<'PY'
import math, random, sys
R, F, T = "http://127.0.0.1:18080", "http://127.0.0.1:19000", "http://127.0.0.1:17800"
towns = [(13.74, 51.05), (12.37, 51.34), (12.92, 50.83), (12.50, 50.72), (12.14, 50.50), (14.99, 51.15), (14.43, 51.18), (13.34, 50.92)]
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
def tiles(z, k):
    out = []
    for lon, lat in towns:
        x, y = tile(lon, lat, z)
        out += [(x + i, y + j) for i in range(k) for j in range(k)]
    return sorted(set(out))
rng = random.Random(14)
boxes = []
for _ in range(200):
    lon, lat = rng.choice(towns)
    lon += rng.uniform(-0.15, 0.15); lat += rng.uniform(-0.1, 0.1)
    boxes.append("%.4f,%.4f,%.4f,%.4f" % (lon, lat, lon + 0.1, lat + 0.1))
def rt(coll, z, ts): return " ".join("%s/collections/%s/tiles/WebMercatorQuad/%d/%d/%d" % (R, coll, z, y, x) for x, y in ts)
def bt(tab, z, ts): return " ".join("%s/public.%s/%d/%d/%d.pbf" % (T, tab, z, x, y) for x, y in ts)
x0, y1 = tile(11.87, 50.17, 10); x1, y0 = tile(15.04, 51.68, 10)
z10 = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
# "first:" rows send each URL once (nothing cached yet on either side: distinct
# limits and boxes); the other rows repeat their URLs, so reach answers most
# of them from its cache (a layer version never changes).
lines = [
    ("first: items limit=100..299, no bbox, each once", " ".join(R + "/collections/population-grid/items?limit=%d" % n for n in range(100, 300)),
        " ".join(F + "/collections/public.population_grid/items.json?limit=%d" % n for n in range(100, 300))),
    ("first: items limit=1000, 0.1° bbox, 200 boxes each once", " ".join(R + "/collections/population-grid/items?limit=1000&bbox=" + b for b in boxes),
        " ".join(F + "/collections/public.population_grid/items.json?limit=1000&bbox=" + b for b in boxes)),
    ("items limit=100, no bbox", R + "/collections/population-grid/items?limit=100", F + "/collections/public.population_grid/items.json?limit=100"),
    ("items limit=1000, 0.1° bbox (40 boxes)", " ".join(R + "/collections/population-grid/items?limit=1000&bbox=" + b for b in boxes[:40]),
        " ".join(F + "/collections/public.population_grid/items.json?limit=1000&bbox=" + b for b in boxes[:40])),
    ("first: grid tiles z14, first render", rt("population-grid", 14, tiles(14, 4)), bt("population_grid", 14, tiles(14, 4))),
    ("first: grid tiles z12, first render", rt("population-grid", 12, tiles(12, 2)), bt("population_grid", 12, tiles(12, 2))),
    ("first: grid tiles z10, first render", rt("population-grid", 10, z10), bt("population_grid", 10, z10)),
    ("first: municipality tiles z14, first render", rt("municipalities", 14, tiles(14, 4)), bt("municipalities", 14, tiles(14, 4))),
    ("first: municipality tiles z10, first render", rt("municipalities", 10, z10), bt("municipalities", 10, z10)),
    ("grid tiles z14", rt("population-grid", 14, tiles(14, 4)), bt("population_grid", 14, tiles(14, 4))),
    ("grid tiles z12", rt("population-grid", 12, tiles(12, 2)), bt("population_grid", 12, tiles(12, 2))),
    ("grid tiles z10", rt("population-grid", 10, z10), bt("population_grid", 10, z10)),
    ("municipality tiles z14", rt("municipalities", 14, tiles(14, 4)), bt("municipalities", 14, tiles(14, 4))),
    ("municipality tiles z10", rt("municipalities", 10, z10), bt("municipalities", 10, z10)),
]
with open(sys.argv[1], "w") as f:
    for l in lines:
        f.write("\t".join(l) + "\n")
PY

# Peak RSS of reach while the load runs.
( peak=0; while kill -0 "$reach_pid" 2>/dev/null; do
	r=$(awk '/VmRSS/ { print $2 }' "/proc/$reach_pid/status" 2>/dev/null || echo 0)
	[ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" > "$work/peak_rss"
	sleep 0.2; done ) &
pids+=($!)

echo "== load (16 connections, ${rounds} interleaved rounds of ${round}s per side)"
"$work/bin/serving_load" -spec "$work/spec.tsv" -conns 16 -round "${round}s" -rounds "$rounds" -pid "$reach_pid"
echo
uptime
echo "reach peak RSS: $(( $(cat "$work/peak_rss" 2>/dev/null || echo 0) / 1024 )) MB (cache ${REACH_BENCH_CACHE_MB:-64} MiB)"
# Reach's own time for the uncached items pages (the first request of each
# URL in its access log: the "first:" rows), next to the client's above:
# what lies between is waiting outside the handler (connections, CPU).
python3 - "$work/reach.log" <<'PY'
import re, sys
unit = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1000.0}
def ms(d):
    m = re.fullmatch(r"([0-9.]+)(ns|µs|us|ms|s)", d)
    if m:
        return float(m.group(1)) * unit[m.group(2)]
    m = re.fullmatch(r"(\d+)m([0-9.]+)s", d)
    return (int(m.group(1)) * 60 + float(m.group(2))) * 1000 if m else None
seen, rows = set(), {"items limit=100..299, no bbox": [], "items limit=1000, 0.1° bbox": []}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'path=/collections/population-grid/items query="([^"]*)" status=200 .*duration=(\S+)', line)
    if not m or m.group(1) in seen:
        continue
    seen.add(m.group(1))
    d = ms(m.group(2))
    if d is None:
        continue
    rows["items limit=1000, 0.1° bbox" if "bbox=" in m.group(1) else "items limit=100..299, no bbox"].append(d)
for k, v in rows.items():
    if v:
        v.sort()
        p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
        print("reach handler time, first requests, %s: n=%d p50 %.1f ms p99 %.1f ms" % (k, len(v), p(0.5), p(0.99)))
PY
