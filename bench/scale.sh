#!/usr/bin/env bash
# How badgw's whole-process time and peak RSS move with the cores it may
# use, next to the minimal parse of bench/refparse given as many workers
# and to "pigz -p N -dc | wc -l": at GOMAXPROCS 1, 2, 4, 8 and the
# machine's cores (those above it skipped), medians of RUNS runs, page
# cache warm, on
#  - a synthetic day of LINES requests in the seed report's tab format with
#    its error.log (bench/genlog: access + error),
#  - the same access log as one .gz,
#  - eight rotated .gz files of a synthetic week and a day (bench/genday,
#    as bench/rotated.sh splits them).
#
#   bench/scale.sh [LINES] [RUNS]     (defaults: 10000000 lines, 3 runs)
#
# The inputs are generated into $TMPDIR and never committed. Prints a
# table: wall seconds (peak RSS in MB) per core count.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
lines=${1:-10000000}
runs=${2:-3}
tmp=${TMPDIR:-/tmp}
bin="$tmp/badgw-bench"
ref="$tmp/badgw-refparse"
go build -o "$bin" ./cmd/badgw
go build -o "$ref" ./bench/refparse
scale_inputs "$lines"
cat "$log" "$errlog" "$log.gz" "$rot"/access.log.*.gz > /dev/null

# cell CORES COMMAND: "wall s (RSS MB)" of the command at GOMAXPROCS=CORES,
# "{n}" in it replaced by CORES; GNU time measures the whole pipeline's
# wall time and the peak RSS of its largest process.
cell() {
  local cmd=${2//\{n\}/$1} ws=() rs=()
  for _ in $(seq "$runs"); do
    local out
    out=$( { GOMAXPROCS=$1 /usr/bin/time -f '%e %M' sh -c "$cmd" > /dev/null; } 2>&1 | tail -1)
    ws+=("${out% *}")
    rs+=("${out#* }")
  done
  printf '%.2f s (%d)' "$(printf '%s\n' "${ws[@]}" | median)" "$(( $(printf '%s\n' "${rs[@]}" | median) / 1024 ))"
}
max=$(nproc)
cores=()
for n in 1 2 4 8 "$max"; do
  if [ "$n" -le "$max" ] && [[ ! " ${cores[*]-} " =~ " $n " ]]; then cores+=("$n"); fi
done
printf '%s requests (%s MB), error.log %s lines; rotated set: 8 .gz; median of %s runs; wall s (peak RSS MB)\n' \
  "$lines" "$(( $(stat -c %s "$log") / 1000000 ))" "$(wc -l < "$errlog")" "$runs"
printf '%-34s' "cores"; for n in "${cores[@]}"; do printf '%-18s' "$n"; done; echo
row() {
  printf '%-34s' "$1"
  for n in "${cores[@]}"; do printf '%-18s' "$(cell "$n" "$2")"; done
  echo
}
row "refparse (N workers)" "$ref -workers {n} $log"
row "badgw access + error" "$bin analyze --no-tui --format \"\$BADGW_FORMAT\" $log $errlog"
row "badgw .gz" "$bin analyze --no-tui --format \"\$BADGW_FORMAT\" $log.gz"
row "pigz -p N -dc | wc -l" "pigz -p {n} -dc $log.gz | wc -l"
row "badgw 8 rotated .gz" "$bin analyze --no-tui $rot/access.log.*.gz"
row "pigz -p N -dc 8 rotated | wc -l" "pigz -p {n} -dc $rot/access.log.*.gz | wc -l"
