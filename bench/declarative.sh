#!/usr/bin/env bash
# The declarative layer's cost on a whole server: pgbench against `fixed_route`
# (one #[pg_query] route answering two fixed rows) and against `server` (the
# same two rows from a hand-written QueryHandler), alternating the two servers
# over several rounds so drifting load weighs on both alike (issue 5's target:
# within 10% of the hand-written server's CPU per query).
#
# Usage: bench/declarative.sh [--rounds 3] [--time 5] [--modes "prepared"] [--clients 16]
#
# Builds both release binaries when missing; each measurement is one
# `bench/pgbench.sh --only-ours` run (server CPU from /proc/PID/stat).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROUNDS=3 TIME=5 MODES=prepared CLIENTS=16
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --time) TIME=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "declarative.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for b in server fixed_route; do
  [[ -x target/release/$b ]] || cargo build --release -p pgwire-examples --bin "$b" >&2
done
SCRIPT=$(mktemp /tmp/pgwire-declarative.XXXXXX.sql)
trap 'rm -f "$SCRIPT"' EXIT
echo "SELECT id, name FROM fixed;" > "$SCRIPT"
chmod 644 "$SCRIPT"

declare -A SUM
for _ in $(seq 1 "$ROUNDS"); do
  for b in server fixed_route; do
    out=$(bench/pgbench.sh --only-ours --server-cmd "exec target/release/$b --listen 127.0.0.1:0" \
      --script "$SCRIPT" --modes "$MODES" --time "$TIME" --clients "$CLIENTS" 2>/dev/null)
    for m in $MODES; do
      cpu=$(awk -v m="$m" '$1 == m && $2 == "ours" {print $4}' <<<"$out")
      [[ -n "$cpu" ]] || { echo "declarative.sh: no figure for $b ($m)" >&2; exit 1; }
      echo "$b $m: $cpu us/txn"
      SUM[$b,$m]=$(awk -v a="${SUM[$b,$m]:-0}" -v b="$cpu" 'BEGIN {print a + b}')
    done
  done
done
echo
for m in $MODES; do
  awk -v m="$m" -v s="${SUM[server,$m]}" -v d="${SUM[fixed_route,$m]}" -v r="$ROUNDS" 'BEGIN {
    printf "%-9s hand-written %.2f us/txn, declarative %.2f us/txn: declarative/hand-written = %.3fx\n",
           m, s / r, d / r, d / s }'
done
