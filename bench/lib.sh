# Shared by the bench scripts (sourced from the repository's root): the
# synthetic inputs of bench/scale.sh, two builds to compare, a median.

# The seed report's tab format, in which bench/genlog writes.
export BADGW_FORMAT="log_format main '\$time_iso8601\t\$status\t\$remote_addr\t\$upstream_addr\t\$upstream_status\t\$scheme\t\$request\t\$request_time\t\$upstream_response_time\t\$body_bytes_sent';"

# scale_inputs LINES: sets log, errlog and rot to a synthetic day of LINES
# requests with its error.log (and the day as one .gz beside it) and a
# rotated set of 8 .gz days of LINES/8 each, in $TMPDIR, generating what
# is not there yet (never committed).
scale_inputs() {
  local tmp=${TMPDIR:-/tmp}
  log="$tmp/badgw-bench-$1.log"
  errlog="$tmp/badgw-bench-$1.error.log"
  rot="$tmp/badgw-scale-rotated-$(($1 / 8))"
  if [ ! -s "$log" ] || [ ! -s "$errlog" ]; then
    go run ./bench/genlog -lines "$1" -error-log "$errlog" > "$log"
  fi
  [ -s "$log.gz" ] || pigz -c "$log" > "$log.gz"
  bash bench/rotated-set.sh "$rot" "$(($1 / 8))"
}

# build_pair REV NAME: sets work to a new directory in $TMPDIR holding
# badgw built at REV ($work/old) and from the working tree ($work/new),
# removed with REV's worktree when the script exits.
build_pair() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/badgw-$2.XXXXXX")
  trap 'git worktree remove --force "$work/old-src" 2>/dev/null || true; rm -rf "$work"' EXIT
  git worktree add --detach -q "$work/old-src" "$1"
  (cd "$work/old-src" && go build -o "$work/old" ./cmd/badgw)
  go build -o "$work/new" ./cmd/badgw
}

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
