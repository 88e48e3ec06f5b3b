#!/usr/bin/env bash
# Times badgw built at REV against the working tree in interleaved pairs
# (old, new, old, new …), since on a shared machine two runs of a script
# minutes apart differ by more than most changes do. For each core count
# and each input of bench/scale.sh (a synthetic day with its error.log,
# the same as one .gz, 8 rotated .gz, and the day through a pipe), prints
# the median wall time and peak RSS of each build over PAIRS pairs and
# their ratio (old/new: above 1 the working tree is faster).
#
#   bench/versus.sh [REV] [LINES] [PAIRS] [CORES...]
#                   (defaults: HEAD, 10000000 lines, 4 pairs, 1 2)
#
# Generated inputs are written into $TMPDIR and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
rev=${1:-HEAD}
lines=${2:-10000000}
pairs=${3:-4}
shift $(($# < 3 ? $# : 3))
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(1 2)
build_pair "$rev" versus
scale_inputs "$lines"
cat "$log" "$errlog" "$log.gz" "$rot"/access.log.*.gz > /dev/null

# row NAME COMMAND: COMMAND run with $B the old then the new build, PAIRS
# times, at each core count.
row() {
  for n in "${cores[@]}"; do
    local ow=() orss=() nw=() nrss=()
    for _ in $(seq "$pairs"); do
      for b in old new; do
        local out
        out=$( { GOMAXPROCS=$n B="$work/$b" /usr/bin/time -f '%e %M' sh -c "$2" > /dev/null; } 2>&1 | tail -1)
        if [ $b = old ]; then ow+=("${out% *}"); orss+=("${out#* }"); else nw+=("${out% *}"); nrss+=("${out#* }"); fi
      done
    done
    local o w
    o=$(printf '%s\n' "${ow[@]}" | median)
    w=$(printf '%s\n' "${nw[@]}" | median)
    printf '%-24s %2d  %6.2f s (%3d MB)  %6.2f s (%3d MB)  %5.2f\n' "$1" "$n" "$o" \
      "$(( $(printf '%s\n' "${orss[@]}" | median) / 1024 ))" "$w" "$(( $(printf '%s\n' "${nrss[@]}" | median) / 1024 ))" \
      "$(echo "$o / $w" | bc -l)"
  done
}
printf '%s against the working tree; %s requests, error.log %s lines; median of %s pairs\n' \
  "$rev" "$lines" "$(wc -l < "$errlog")" "$pairs"
printf '%-24s %s  %-18s  %-18s  %s\n' "input" "cores" "old" "new" "old/new"
row "access + error" "\$B analyze --no-tui --format \"\$BADGW_FORMAT\" $log $errlog"
row ".gz" "\$B analyze --no-tui --format \"\$BADGW_FORMAT\" $log.gz"
row "8 rotated .gz" "\$B analyze --no-tui $rot/access.log.*.gz"
row "cat | badgw analyze -" "cat $log | \$B analyze --no-tui --format \"\$BADGW_FORMAT\" -"
