#!/usr/bin/env bash
# Whole-process time and peak RSS of "badgw analyze --no-tui" on a synthetic
# day, next to the yardsticks run on the same files in the same run: the
# minimal two-goroutine parse of bench/refparse, wc -l, grep -c 502, the pipe
# ceiling (cat | wc -l) and gzip's (pigz -dc | wc -l). Medians of RUNS runs,
# page cache warm.
#
#   bench/whole.sh [LINES] [RUNS]     (defaults: 5000000 lines, 5 runs)
#
# The input is synthetic (bench/genlog: the seed report's tab format, a burst
# of 502s every 10,000 lines, and its error.log of about 82,000 lines for
# 5 M requests); it is generated once into $TMPDIR and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
lines=${1:-5000000}
runs=${2:-5}
tmp=${TMPDIR:-/tmp}
log="$tmp/badgw-bench-$lines.log"
errlog="$tmp/badgw-bench-$lines.error.log"
bin="$tmp/badgw-bench"
ref="$tmp/badgw-refparse"
if [ ! -s "$log" ] || [ ! -s "$errlog" ]; then
  go run ./bench/genlog -lines "$lines" -error-log "$errlog" > "$log"
fi
[ -s "$log.gz" ] || pigz -c "$log" > "$log.gz"
go build -o "$bin" ./cmd/badgw
go build -o "$ref" ./bench/refparse
format="log_format main '\$time_iso8601\t\$status\t\$remote_addr\t\$upstream_addr\t\$upstream_status\t\$scheme\t\$request\t\$request_time\t\$upstream_response_time\t\$body_bytes_sent';"
export BADGW_FORMAT="$format"
cat "$log" "$errlog" "$log.gz" > /dev/null

# measure NAME COMMAND: the median wall seconds and peak RSS (MB) of the
# shell command, run RUNS times. Output goes to a file, not /dev/null: GNU
# grep notices /dev/null and stops at the first match.
declare -A wall rss
order=()
measure() {
  local name=$1 cmd=$2 w=() r=()
  for _ in $(seq "$runs"); do
    local out
    out=$( { /usr/bin/time -f '%e %M' sh -c "$cmd" > "$tmp/badgw-bench.out"; } 2>&1 | tail -1)
    w+=("${out% *}")
    r+=("${out#* }")
  done
  wall[$name]=$(printf '%s\n' "${w[@]}" | median)
  rss[$name]=$(( $(printf '%s\n' "${r[@]}" | median) / 1024 ))
  order+=("$name")
}

measure "wc -l" "wc -l '$log'"
measure "cat | wc -l" "cat '$log' | wc -l"
measure "grep -c 502" "grep -c 502 '$log'"
measure "refparse (2 goroutines)" "'$ref' '$log'"
measure "pigz -dc | wc -l" "pigz -dc '$log.gz' | wc -l"
measure "badgw access" "'$bin' analyze --no-tui --format \"\$BADGW_FORMAT\" '$log'"
measure "badgw access + error" "'$bin' analyze --no-tui --format \"\$BADGW_FORMAT\" '$log' '$errlog'"
measure "cat | badgw" "cat '$log' | '$bin' analyze --no-tui --format \"\$BADGW_FORMAT\""
measure "badgw .gz" "'$bin' analyze --no-tui --format \"\$BADGW_FORMAT\" '$log.gz'"
printf 'input: %s lines, %d MB; error.log %d lines; median of %d runs\n' "$lines" $(( $(stat -c %s "$log") / 1000000 )) "$(wc -l < "$errlog")" "$runs"
for name in "${order[@]}"; do
  printf '%-26s %7.2f s  %5d MB\n' "$name" "${wall[$name]}" "${rss[$name]}"
done
ratio() { echo "${wall[$1]} / ${wall[$2]}" | bc -l; }
printf 'access + error / refparse   = %.2f   (target <= 1)\n' "$(ratio "badgw access + error" "refparse (2 goroutines)")"
printf 'grep -c 502 / access + error = %.2f  (target >= 3)\n' "$(ratio "grep -c 502" "badgw access + error")"
printf 'cat | wc -l / cat | badgw    = %.2f   (target >= 0.9)\n' "$(ratio "cat | wc -l" "cat | badgw")"
printf 'badgw .gz / pigz -dc | wc -l = %.2f   (target <= 1.15)\n' "$(ratio "badgw .gz" "pigz -dc | wc -l")"
