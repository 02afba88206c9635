#!/usr/bin/env bash
# analysis.sh runs the end-to-end benchmarks of the analysis engine
# (internal/analysis, BenchmarkSaxony*) on the generated Saxony-scale layers
# (internal/network/netgen car network, fixed seed: about 1.16 million
# nodes and 3.75 million arcs; about 396,000 populated 100 m cells with
# about 4 million residents; 2,500 general practices, 200 Gymnasien, ...)
# and, in the same run and the same process, pgRouting on the same graph
# loaded into a fresh PostGIS database (internal/pgtest: created for the
# run and dropped after it). It prints the figures, the targets of issue 3
# and the ratios. bench/ANALYSIS.md records them.
#
# Usage: bench/analysis.sh [benchtime]   (go test -benchtime, default 5s)
# Needs: Go; PostgreSQL with postgis and pgrouting reachable as
# internal/pgtest expects (REACH_TEST_PGURL or the default
# postgres://postgres@127.0.0.1:5432/postgres). The pgRouting part runs
# unless REACH_BENCH_PG is set to the empty string (REACH_BENCH_PG= bench/analysis.sh);
# every pgRouting statement is bounded by a 240 s statement_timeout and run
# 3 times (once for the equicost form). The whole script takes about 6
# minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime="${1:-5s}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "nproc: $(nproc)"
lscpu | head -n 20
free -g
uptime
go version
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
psql_url="${REACH_TEST_PGURL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
if command -v psql >/dev/null; then
	psql "$psql_url" -Atc "SELECT version()" || true
	psql "$psql_url" -Atc "SELECT name || ' ' || default_version FROM pg_available_extensions WHERE name IN ('postgis', 'pgrouting') ORDER BY name" || true
fi

echo
echo "== benchmarks (go test -bench Saxony, benchtime ${benchtime}; pgRouting side by side)"
REACH_BENCH_PG="${REACH_BENCH_PG-1}" go test ./internal/analysis -run '^$' -bench '^BenchmarkSaxony' \
	-benchtime "$benchtime" -timeout 20m -v 2>&1 | tee "$out/bench.txt" |
	grep -E '^(Benchmark|ok|FAIL|RATIO|PASS)|--- (FAIL|SKIP)|bench_saxony_test.go|benchsaxony_pg_test.go' || true

echo
echo "== summary (targets of issue 3)"
awk '
function metric(name,   i) { for (i = 2; i < NF; i++) if ($(i+1) == name) return $i; return "" }
!/ns\/op/ && !/^RATIO/ { next }
/^BenchmarkSaxonyTravelTimes\/phast\/general_practice/ { printf "all cells, nearest of 2,500 practices, PHAST sweep (as served): median %s ms, p95 %s ms (target: median <= 150 ms)\n", metric("p50-ms"), metric("p95-ms") }
/^BenchmarkSaxonyTravelTimes\/dijkstra\/general_practice/ { printf "all cells, nearest of 2,500 practices, Dijkstra (until the hierarchy is ready): median %s ms, p95 %s ms\n", metric("p50-ms"), metric("p95-ms") }
/^BenchmarkSaxonyTravelTimes\/phast\/(hospital|pharmacy)/ { n = $1; sub(/-[0-9]+$/, "", n); sub(/^BenchmarkSaxonyTravelTimes\//, "", n)
	printf "memory, %s: %s B/op, %s allocs/op, heap in use %s MB, heap from the OS %s MB\n", n, metric("B/op"), metric("allocs/op"), metric("heap-inuse-MB"), metric("heap-sys-MB") }
/^BenchmarkSaxonyIsochrone30/ { printf "one 30-minute isochrone polygon: p50 %s ms, p95 %s ms (target: p95 <= 50 ms)\n", metric("p50-ms"), metric("p95-ms") }
/^BenchmarkSaxonyAddSite\// { n = $1; sub(/-[0-9]+$/, "", n); sub(/^BenchmarkSaxonyAddSite\//, "", n)
	printf "one added site (%s): p50 %s ms, p95 %s ms (target: p95 <= 10 ms); 1,000 sites one after another %s ms\n", n, metric("p50-ms"), metric("p95-ms"), metric("all-1000-ms") }
/^BenchmarkSaxonyCandidates1000\// { n = $1; sub(/-[0-9]+$/, "", n); sub(/^BenchmarkSaxonyCandidates1000\//, "", n)
	printf "1,000 candidate sites, marginal coverage (%s): %s ms (target: <= 5000 ms)\n", n, metric("p50-ms") }
/^BenchmarkSaxonyColdStart-/ { printf "cold start without an engine snapshot (network snapshot %s MB read + cells snapped): %s ms = read %s ms + snap %s ms\n", metric("snapshot-MB"), metric("p50-ms"), metric("read-ms"), metric("snap-ms") }
/^BenchmarkSaxonyColdStartSnapshot\/snapshot/ { printf "cold start from the engine snapshot (%s MB, hierarchy included): median %s ms, max %s ms (target: <= 2000 ms)\n", metric("snapshot-MB"), metric("p50-ms"), metric("max-ms") }
/^RATIO/ { sub(/^RATIO /, "pgRouting vs ours, "); print }
' "$out/bench.txt"
if grep -qE '^(FAIL|--- FAIL)' "$out/bench.txt"; then
	echo "some benchmark failed; see above"
	exit 1
fi
