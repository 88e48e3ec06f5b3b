#!/usr/bin/env bash
# Makes a rotated set of 8 .gz files in DIR, one synthetic day of
# REQUESTS_PER_DAY each (bench/genday, never committed), named as
# logrotate names them: access.log.8.gz (oldest) … access.log.1.gz. Does
# nothing when DIR already holds it. Used by bench/rotated.sh and
# bench/scale.sh; run from the repository's root.
#
#   bench/rotated-set.sh DIR REQUESTS_PER_DAY
set -euo pipefail
dir=$1
per_day=$2
[ -s "$dir/access.log.1.gz" ] && exit 0
rm -rf "$dir"
go run ./bench/genday -out "$dir" -days 8 -requests "$per_day" > /dev/null
# One file per day, oldest the highest number.
awk -v dir="$dir" '{ day = substr($0, index($0, "[") + 1, 11); if (day != last) { n++; last = day } print > (dir "/day." n) }' "$dir/access.log"
for n in $(seq 8); do
  mv "$dir/day.$n" "$dir/access.log.$((9 - n))"
  pigz -f "$dir/access.log.$((9 - n))"
done
rm "$dir/access.log"
