#!/usr/bin/env bash
# Whole-process time of "badgw analyze --no-tui" on a rotated set of 8 .gz
# files (one synthetic day each, about 1 GB uncompressed in all) against
# "pigz -dc" over the same files, median of RUNS runs, page cache warm.
#
#   bench/rotated.sh [REQUESTS_PER_DAY] [RUNS]   (defaults: 750000, 5)
#
# The days come from bench/genday (synthetic, never committed), split per
# day into access.log.8.gz … access.log.1.gz as logrotate names them.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
per_day=${1:-750000}
runs=${2:-5}
tmp=${TMPDIR:-/tmp}
dir="$tmp/badgw-rotated-$per_day"
bin="$tmp/badgw-bench"
go build -o "$bin" ./cmd/badgw
bash bench/rotated-set.sh "$dir" "$per_day"
du -ch "$dir"/access.log.*.gz | tail -1
pigz -dc "$dir"/access.log.*.gz | wc -c | awk '{printf "%.0f MB uncompressed\n", $1 / 1e6}'

measure() { # name, command...
  local name=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%-40s %6.2f s\n' "$name" "$(printf '%s\n' "${times[@]}" | median)"
}
cat "$dir"/access.log.*.gz > /dev/null
measure "pigz -dc (8 files)" pigz -dc "$dir"/access.log.{8,7,6,5,4,3,2,1}.gz
measure "badgw analyze (8 files + error.log)" "$bin" analyze --no-tui --nginx-conf "$dir/nginx.conf" "$dir/access.log.*.gz" "$dir/error.log"
