#!/usr/bin/env bash
# Analyses a synthetic day held in VictoriaLogs three ways, in interleaved
# runs (counted, exported, read whole, counted, …), and prints the median
# wall time of each and how much of the access lines the counted read read:
#
#   counted   badgw analyze --victorialogs (the store counts the plain lines)
#   exported  the day's access and error lines exported from the store to
#             files (bench/storeload -export), then badgw analyze on them
#   all       badgw analyze --victorialogs --store-read all (every line)
#
# The day is bench/genday's (REQUESTS requests, its background of random
# 502s, 504s and 500s scaled by BACKGROUND: 1 is genday's default, 0.05 a
# twentieth of it), generated into $TMPDIR and loaded into a VictoriaLogs
# started here on a loopback port with a data directory of its own, stopped
# by PID at the end; the load time and the store's size are printed too.
#
#   bench/store.sh [REQUESTS] [BACKGROUND] [RUNS]   (defaults: 5000000 1 3)
#
# Needs victoria-logs on PATH or in ~/.cache/badgw-ci/bin (.ci/run builds
# it from its Go module). Generated inputs are never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
requests=${1:-5000000}
background=${2:-1}
runs=${3:-3}
tmp=${TMPDIR:-/tmp}
PATH=$PATH:$HOME/.cache/badgw-ci/bin
command -v victoria-logs > /dev/null || { echo "store.sh: victoria-logs not found" >&2; exit 1; }

work=$(mktemp -d "$tmp/badgw-store.XXXXXX")
vlpid=
cleanup() {
  [ -z "$vlpid" ] || kill "$vlpid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/badgw" ./cmd/badgw
go build -o "$work/storeload" ./bench/storeload

day="$tmp/badgw-store-day-$requests-$background"
if [ ! -s "$day/access.log" ]; then
  bg() { awk -v d="$1" -v s="$background" 'BEGIN { printf "%g", d * s }'; }
  go run ./bench/genday -out "$day" -requests "$requests" -days 1 \
    -bg502 "$(bg 0.002)" -bg504 "$(bg 0.0005)" -bg500 "$(bg 0.002)" > /dev/null
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
victoria-logs -storageDataPath="$work/vl" -retentionPeriod=100y -httpListenAddr="127.0.0.1:$port" > "$work/vl.log" 2>&1 &
vlpid=$!
for _ in $(seq 100); do curl -sf "$url/health" > /dev/null && break; sleep 0.1; done
"$work/storeload" -url "$url" -host day -nginx-conf "$day/nginx.conf" -error "$day/error.log" "$day/access.log"
echo "store size: $(du -sh "$work/vl" | cut -f1)"

from=2026-11-20T00:00:00Z
to=2026-11-21T00:00:00Z
store=(--victorialogs "$url" --query '{host="day"}' --from "$from" --to "$to")
counted() { "$work/badgw" analyze --no-tui --nginx-conf "$day/nginx.conf" "${store[@]}" > /dev/null 2> "$work/counted.err"; }
all() { "$work/badgw" analyze --no-tui --nginx-conf "$day/nginx.conf" "${store[@]}" --store-read all > /dev/null; }
exported() {
  "$work/storeload" -url "$url" -export "$work/access.log" -query '{host="day",log="access"}' -from "$from" -to "$to"
  "$work/storeload" -url "$url" -export "$work/error.log" -query '{host="day",log="error"}' -from "$from" -to "$to"
  "$work/badgw" analyze --no-tui --nginx-conf "$day/nginx.conf" "$work/access.log" "$work/error.log" > /dev/null
  rm -f "$work/access.log" "$work/error.log"
}
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

# The counted read's report against the files': the same from the
# timeline on, once the inputs' names are taken out of the sample lines.
report() { sed -n '/^Timeline/,$p' | sed -E 's/^( +)(access\.log|error\.log|victorialogs (access|error) lines: \{host="day"\}):([0-9]+) /\1\4 /'; }
"$work/badgw" analyze --no-tui --nginx-conf "$day/nginx.conf" "$day/access.log" "$day/error.log" 2> /dev/null | report > "$work/files.txt" || true
"$work/badgw" analyze --no-tui --nginx-conf "$day/nginx.conf" "${store[@]}" 2> /dev/null | report > "$work/store.txt" || true
if cmp -s "$work/files.txt" "$work/store.txt"; then
  echo "counted read: the same report as the files ($(wc -l < "$work/files.txt") lines from the timeline on)"
else
  echo "counted read: the report differs from the files':"
  diff "$work/files.txt" "$work/store.txt" | head -20 || true
fi
for _ in $(seq "$runs"); do
  for way in counted exported all; do
    seconds "$way" >> "$work/$way.times"
  done
done
cat "$work/counted.err"
for way in counted exported all; do
  printf '%-9s median %6.2f s  (runs: %s)\n' "$way" "$(median < "$work/$way.times")" "$(paste -sd' ' "$work/$way.times")"
done
