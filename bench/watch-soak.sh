#!/usr/bin/env bash
# Soak benchmark of badgw watch (not a test): DURATION of RATE synthetic
# access lines a second, with a 15 s burst of refused connections every
# minute, written into files that badgw watch follows while it posts its
# alerts to a webhook. Prints watch's RSS (sampled each second) and each
# alert's delay after its burst passed the burst test.
#
#   bench/watch-soak.sh [DURATION] [RATE]     (defaults: 10m, 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TMPDIR:-/tmp}/badgw-watch-soak"
go build -o "$bin" ./cmd/badgw
go run ./bench/watchsoak -badgw "$bin" -duration "${1:-10m}" -rate "${2:-5000}"
