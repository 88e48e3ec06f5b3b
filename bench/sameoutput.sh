#!/usr/bin/env bash
# Checks that a change leaves every report as it was: builds badgw at REV
# (default HEAD) and from the working tree, runs both on every recorded
# fixture (with its nginx.conf), on the generated inputs of bench/scale.sh
# (a synthetic day with its error.log, the same as one .gz, a rotated set of
# 8 .gz) and on a four-day synthetic set, and compares the text report, the
# JSON, the bursts CSV, the days CSV and the HTML page byte for byte. Prints
# each input with "same" or the first lines that differ; exits 1 if any
# differs.
#
#   bench/sameoutput.sh [REV] [LINES]    (defaults: HEAD, 2000000 lines)
#
# Generated inputs are written into $TMPDIR and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
rev=${1:-HEAD}
lines=${2:-2000000}
tmp=${TMPDIR:-/tmp}
build_pair "$rev" same

scale_inputs "$lines"
days="$tmp/badgw-same-days"
[ -s "$days/access.log" ] || go run ./bench/genday -out "$days" -days 4 -requests 200000 > /dev/null
tab=$BADGW_FORMAT

failed=0
# compare NAME ARGS...: both builds' outputs for "analyze --no-tui ARGS".
compare() {
  local name=$1 differs=0
  shift
  for b in old new; do
    mkdir -p "$work/$b.out"
    "$work/$b" analyze --no-tui --json "$work/$b.out/json" --csv "$work/$b.out/csv" \
      --csv-days "$work/$b.out/days" --html "$work/$b.out/html" "$@" > "$work/$b.out/text" 2> "$work/$b.out/stderr" || true
  done
  for f in text json csv days html stderr; do
    if ! cmp -s "$work/old.out/$f" "$work/new.out/$f"; then
      [ $differs = 1 ] || echo "$name: differs"
      differs=1
      diff "$work/old.out/$f" "$work/new.out/$f" | head -5 | sed "s|^|  $f: |" || true
    fi
  done
  [ $differs = 1 ] && failed=1 || echo "$name: same"
  rm -rf "$work/old.out" "$work/new.out"
}

for dir in fixtures/*/; do
  name=$(basename "$dir")
  [ -s "$dir/nginx.conf" ] || continue
  mapfile -t logs < <(ls "$dir" | grep -E '^(access|error)\.log' | sed "s|^|$dir|")
  [ ${#logs[@]} -gt 0 ] || continue
  compare "fixture $name" --nginx-conf "$dir/nginx.conf" "${logs[@]}"
done
compare "generated day ($lines lines) + error.log" --format "$tab" "$log" "$errlog"
compare "generated day as .gz" --format "$tab" "$log.gz"
compare "rotated set of 8 .gz" "$rot"/access.log.*.gz
compare "four synthetic days" --nginx-conf "$days/nginx.conf" "$days/access.log" "$days/error.log"
exit $failed
