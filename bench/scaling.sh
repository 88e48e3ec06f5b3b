#!/usr/bin/env bash
# How badgw's speed and peak RSS move with the input's size, medians of RUNS
# runs of "badgw analyze --no-tui":
#  - access lines: 0.5 M, 5 M and 50 M requests streamed from bench/genlog
#    through a pipe (the generator writes 5 M lines a second, so it does not
#    set the pace), lines per second and each size's rate against 5 M's;
#  - error lines: the 5 M-request day with an error.log of about 10 k, 82 k
#    and 1 M lines (genlog -warn-every 500, 75, 5), read from files.
#
#   bench/scaling.sh [RUNS]     (default 3)
#
# Synthetic input (bench/genlog), generated into $TMPDIR, never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-3}
tmp=${TMPDIR:-/tmp}
bin="$tmp/badgw-bench"
gen="$tmp/badgw-genlog"
go build -o "$bin" ./cmd/badgw
go build -o "$gen" ./bench/genlog

# run COMMAND: sets w (median wall seconds of the whole pipeline) and r
# (median peak RSS in MB of badgw, the pipeline's last command).
run() {
  local ws=() rs=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    sh -c "$1" 2> "$tmp/badgw-scaling.time" > /dev/null
    e=$(date +%s.%N)
    ws+=("$(echo "$e - $s" | bc)")
    rs+=("$(tail -1 "$tmp/badgw-scaling.time")")
  done
  w=$(printf '%s\n' "${ws[@]}" | median)
  r=$(( $(printf '%s\n' "${rs[@]}" | median) / 1024 ))
}

echo "access lines through a pipe from the generator (median of $runs)"
declare -A rate
for n in 500000 5000000 50000000; do
  run "'$gen' -lines $n | /usr/bin/time -f %M '$bin' analyze --no-tui --format \"\$BADGW_FORMAT\""
  rate[$n]=$(echo "$n / $w" | bc -l)
  printf '%9d lines  %7.2f s  %9.0f lines/s  %4d MB\n' "$n" "$w" "${rate[$n]}" "$r"
done
for n in 500000 50000000; do
  printf 'rate at %d / rate at 5000000 = %.2f   (target within 0.90-1.10)\n' "$n" "$(echo "${rate[$n]} / ${rate[5000000]}" | bc -l)"
done

echo "error lines, 5 M requests from files (median of $runs)"
access="$tmp/badgw-bench-5000000.log"
for every in 500 75 5; do
  errlog="$tmp/badgw-bench-5000000.warn$every.error.log"
  if [ ! -s "$access" ] || [ ! -s "$errlog" ]; then
    "$gen" -lines 5000000 -warn-every "$every" -error-log "$errlog" > "$access"
  fi
  run "/usr/bin/time -f %M '$bin' analyze --no-tui --format \"\$BADGW_FORMAT\" '$access' '$errlog'"
  printf '%9d error lines  %7.2f s  %4d MB\n' "$(wc -l < "$errlog")" "$w" "$r"
done
