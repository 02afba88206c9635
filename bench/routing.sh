#!/usr/bin/env bash
# routing.sh runs the routing benchmarks of reach on the generated
# Saxony-scale car network (internal/network/netgen, fixed seed: about 1.17
# million nodes, 3.7 million arcs, 400,000 populated cells, 300 facilities)
# and then pgRouting's pgr_drivingDistance on the same graph loaded into
# PostGIS, and prints the ratios. Results go to bench/ROUTING.md by hand.
#
# Usage: bench/routing.sh [count]   (count: iterations of our benchmarks, default 30;
# the snapshot loads run 5 times)
# Needs: Go; for the pgRouting part a PostgreSQL with postgis and pgrouting
# reachable as internal/pgtest expects (REACH_TEST_PGURL or the default
# postgres://postgres@127.0.0.1:5432/postgres). Takes about 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-30}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== machine"
echo "nproc: $(nproc)"
lscpu | head -n 15
uptime
go version
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo
echo "== ours (go test -bench, ${count} iterations each)"
go test ./internal/network -run '^$' \
	-bench 'AllCellsNearest|AddSite|Isochrone30$|Isochrone30PHAST|RealExtracts' \
	-benchtime "${count}x" -timeout 30m | tee "$out/ours.txt" | grep -E '^(Benchmark|ok|FAIL)'
go test ./internal/network -run '^$' -bench 'SnapshotLoad' \
	-benchtime 5x -timeout 30m | tee -a "$out/ours.txt" | grep -E '^(Benchmark|ok|FAIL)'

echo
echo "== pgRouting side by side (same graph, same sources, same process)"
REACH_BENCH_PG=1 go test ./internal/network -run '^$' -bench 'PgRouting' \
	-benchtime 1x -timeout 20m 2>&1 | tee "$out/pg.txt" | grep -E '^(Benchmark|ok|FAIL)|skip|SKIP' || true

echo
echo "== summary"
awk '
/^BenchmarkAllCellsNearest-/ { for (i = 1; i < NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "cpu-ms/op") cpu = $i }
	printf "all cells nearest facility, one core: median %s ms, CPU %s ms/op\n", p50, cpu }
/^BenchmarkAllCellsNearestParallel-/ { for (i = 1; i < NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "cpu-ms/op") cpu = $i }
	printf "all cells nearest facility, two workers: median %s ms (target <= 150), CPU %s ms/op\n", p50, cpu }
/^BenchmarkAllCellsNearestPHAST-/ { for (i = 1; i < NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "cpu-ms/op") cpu = $i }
	printf "all cells nearest facility, PHAST sweep on the contraction hierarchy: median %s ms (target <= 150), CPU %s ms/op\n", p50, cpu }
/^BenchmarkAddSite-/ { for (i = 1; i < NF; i++) { if ($(i+1) == "p95-ms") p95 = $i; if ($(i+1) == "p50-ms") m = $i }
	printf "one added site: p95 %s ms (target <= 10); 1000 candidates ~ %.2f s (target <= 5)\n", p95, m }
/^BenchmarkIsochrone30-/ { for (i = 1; i < NF; i++) if ($(i+1) == "p95-ms") p95 = $i
	printf "30-min bounded search: p95 %s ms\n", p95 }
/^BenchmarkSnapshotLoad-/ { printf "graph snapshot load: %.0f ms\n", $3 / 1e6 }
/^BenchmarkNetworkSnapshotLoad-/ { printf "network snapshot load (graph, geometry, reverse, components, snap index): %.0f ms (target <= 2000 with the cell index)\n", $3 / 1e6 }
' "$out/ours.txt"
awk '
/^BenchmarkPgRouting[A-Za-z0-9]+-[0-9]+ / { name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkPgRouting/, "", name)
	for (i = 1; i < NF; i++) { if ($(i+1) == "pg-ms") pg = $i; if ($(i+1) == "ours-ms") o = $i; if ($(i+1) == "ratio") r = $i }
	printf "pgRouting %s: pgr_drivingDistance %s ms, ours %s ms, ratio %.0fx\n", name, pg, o, r }
' "$out/pg.txt"
