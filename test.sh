#!/usr/bin/env bash
# Runs the whole test suite: vet, then every package's tests against the
# real PostGIS at 127.0.0.1:5432 and the real data in ../shared/data
# (override with REACH_TESTDATA). With CI set, missing PostGIS or data fail.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
"$(dirname "$0")/.ci/pg-setup"
go vet ./...
go test -count=1 -timeout 30m ./... "$@"
