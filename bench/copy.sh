#!/usr/bin/env bash
# COPY benchmark: the sqlite example vs PostgreSQL 15, in the same run, on the same
# machine. Rows of (int8, text, float8) go in with psql `\copy … from FILE` (COPY FROM
# STDIN) and out with `\copy … to FILE` (COPY TO STDOUT), text format.
#
# Usage:
#   bench/copy.sh [--rows 1000000] [--small 100000] [--runs 1] [--server-cmd "CMD"]
#                 [--only-pg | --only-ours]
#
#   --rows N          rows of the big data set (default 1,000,000)
#   --small N         rows of the small one, to show memory stays flat (default 100,000)
#   --runs N          repeat the whole measurement N times (default 1); each run is printed
#   --server-cmd CMD  our server (run through `setsid bash -c`; `{db}` is replaced by a
#                     fresh database file path). Its first stdout line must be
#                     `listening on HOST:PORT`. Default:
#                     `target/release/sqlite --listen 127.0.0.1:0 {db}` (built with
#                     `cargo build --release -p pgwire-examples --bin sqlite` when missing).
#                     A database file, not memory: an in-memory database holds the table
#                     in the server's memory, which would hide the COPY's own footprint.
#   --only-pg / --only-ours   (testing) one side only
#
# The data files are generated once per size into a temp dir. For each data set and each
# server: a fresh table, then one psql session times `\copy t from FILE` and `\copy t to
# FILE` (wall clock around each, psql included) and reports rows/s and MB/s (MB of text
# data, 10^6 bytes). Peak memory is VmHWM from /proc/PID/status: of our server (started
# afresh for each data set), and of the PostgreSQL backend serving the psql session.
#
# Targets (issue 6): COPY TO at least PostgreSQL's rate; COPY FROM within 1.5x of
# PostgreSQL's time; our peak memory flat in the row count and under 64 MiB.
#
# Environment: PG_BINDIR (default /usr/lib/postgresql/15/bin), PG_OS_USER (default
# postgres; used when root).
set -euo pipefail

BENCH_NAME=copy.sh
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_SERVER_CMD="target/release/sqlite --listen 127.0.0.1:0 {db}"
SERVER_CMD_TEMPLATE="$DEFAULT_SERVER_CMD"
SERVER_CMD_GIVEN=0
ROWS=1000000
SMALL=100000
RUNS=1
ONLY_PG=0
ONLY_OURS=0
STARTUP_TIMEOUT=30

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || { echo "copy.sh: option $1 needs a value" >&2; exit 1; }; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows)       need_arg "$@"; ROWS="$2"; shift 2 ;;
    --small)      need_arg "$@"; SMALL="$2"; shift 2 ;;
    --runs)       need_arg "$@"; RUNS="$2"; shift 2 ;;
    --server-cmd) need_arg "$@"; SERVER_CMD_TEMPLATE="$2"; SERVER_CMD_GIVEN=1; shift 2 ;;
    --only-pg)    ONLY_PG=1; shift ;;
    --only-ours)  ONLY_OURS=1; shift ;;
    -h|--help)    usage; exit 0 ;;
    *) echo "copy.sh: unknown argument: $1 (see --help)" >&2; exit 1 ;;
  esac
done

cd "$REPO_ROOT"
# shellcheck source=bench/lib.sh
source "$REPO_ROOT/bench/lib.sh"
for v in ROWS SMALL RUNS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v,,} must be a positive integer, got '${!v}'"
done
[[ $ONLY_PG -eq 1 && $ONLY_OURS -eq 1 ]] && die "--only-pg and --only-ours are exclusive"
bench_find_pg "$(( ONLY_OURS == 0 ))"
bench_init

if [[ $ONLY_PG -eq 0 && $SERVER_CMD_GIVEN -eq 0 && ! -x target/release/sqlite ]]; then
  log "target/release/sqlite missing; building: cargo build --release -p pgwire-examples --bin sqlite"
  cargo build --release -p pgwire-examples --bin sqlite >&2 \
    || die "could not build the sqlite example; pass --server-cmd"
fi

# ---- data -----------------------------------------------------------------------------
# Text COPY data: id, a text of 20-30 characters, a float8 printed as PostgreSQL prints it.
gen_data() { # rows file
  awk -v n="$1" 'BEGIN {
    for (i = 1; i <= n; i++) printf "%d\tcustomer %d, order %d\t%d.25\n", i, i % 9973, i * 7, i % 100000
  }' > "$2"
}
SIZES=("$SMALL" "$ROWS")
declare -A DATA BYTES
for n in "${SIZES[@]}"; do
  [[ -n "${DATA[$n]:-}" ]] && continue
  DATA[$n]="$WORK/data.$n.txt"
  log "generating $n rows into ${DATA[$n]}"
  gen_data "$n" "${DATA[$n]}"
  BYTES[$n]=$(stat -c %s "${DATA[$n]}")
done
chmod 644 "$WORK"/data.*.txt

# ---- one measurement ---------------------------------------------------------------------
# measure TARGET PORT ROWS [MEMPID]: one psql session (as the script's user) creates the
# table, times \copy in and out, and (for PostgreSQL, MEMPID empty) reads its backend's
# VmHWM before ending. Sets IN_S, OUT_S, OUT_BYTES, HWM_KB (PostgreSQL only).
measure() {
  local target=$1 port=$2 n=$3 dir="$WORK/$1.$3"
  mkdir -p "$dir"
  chmod 777 "$dir"
  local script="$dir/run.sql"
  {
    echo '\set ON_ERROR_STOP 1'
    echo 'DROP TABLE IF EXISTS bench_copy;'
    echo 'CREATE TABLE bench_copy (id int8, t text, f float8);'
    if [[ $target == postgres ]]; then
      echo 'SELECT pg_backend_pid() AS bpid \gset'
      echo '\setenv BPID :bpid'
    fi
    echo "\\! date +%s.%N > $dir/t0"
    echo "\\copy bench_copy from '${DATA[$n]}'"
    echo "\\! date +%s.%N > $dir/t1"
    echo "\\copy bench_copy to '$dir/out.txt'"
    echo "\\! date +%s.%N > $dir/t2"
    if [[ $target == postgres ]]; then
      echo "\\! grep VmHWM /proc/\$BPID/status > $dir/hwm"
    fi
    echo 'DROP TABLE bench_copy;'
  } > "$script"
  log "$target: $n rows in and out"
  PGCONNECT_TIMEOUT=10 "$PSQL" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -f "$script" >"$dir/psql.log" 2>&1 </dev/null &
  BENCH_PID=$!
  wait "$BENCH_PID" || die "psql failed against $target ($n rows):
$(tail -n 20 "$dir/psql.log")"
  BENCH_PID=""
  IN_S=$(awk '{print $1}' "$dir/t0" "$dir/t1" | awk 'NR==1{a=$1} NR==2{printf "%.3f", $1-a}')
  OUT_S=$(awk '{print $1}' "$dir/t1" "$dir/t2" | awk 'NR==1{a=$1} NR==2{printf "%.3f", $1-a}')
  OUT_BYTES=$(stat -c %s "$dir/out.txt")
  [[ "$OUT_BYTES" -gt 0 ]] || die "$target wrote no COPY TO data"
  HWM_KB=""
  [[ -s "$dir/hwm" ]] && HWM_KB=$(awk '{print $2}' "$dir/hwm")
  rm -f "$dir/out.txt"
}

hwm_of() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- runs --------------------------------------------------------------------------------
TARGETS=()
[[ $ONLY_OURS -eq 1 ]] || { start_pg; TARGETS+=(postgres); }
[[ $ONLY_PG -eq 1 ]] || TARGETS+=(ours)

declare -A R_IN R_OUT R_OUTB R_HWM
for run in $(seq 1 "$RUNS"); do
  for n in "${SIZES[@]}"; do
    for t in "${TARGETS[@]}"; do
      if [[ $t == ours ]]; then
        # A fresh server and database file for each data set: its VmHWM is this COPY's.
        rm -f "$WORK/ours.db" "$WORK/ours.db-wal" "$WORK/ours.db-shm"
        SERVER_CMD=${SERVER_CMD_TEMPLATE//\{db\}/$WORK/ours.db}
        start_ours
        measure ours "$OURS_PORT" "$n"
        # The server's own process (a compound CMD runs it as the wrapper's child).
        pid=$OURS_PID
        kid=$(cat /proc/"$OURS_PID"/task/*/children 2>/dev/null | awk '{print $1}' | head -n 1 || true)
        [[ -n "$kid" ]] && pid=$kid
        HWM_KB=$(hwm_of "$pid")
        stop_ours
      else
        measure postgres "$PG_PORT" "$n"
      fi
      R_IN[$run,$n,$t]=$IN_S; R_OUT[$run,$n,$t]=$OUT_S; R_OUTB[$run,$n,$t]=$OUT_BYTES; R_HWM[$run,$n,$t]=$HWM_KB
    done
  done
done

# ---- report ------------------------------------------------------------------------------
echo
echo "machine: nproc=$(nproc), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "psql: $("$PSQL" --version)"
[[ $ONLY_PG -eq 1 ]] || echo "ours: $SERVER_CMD_TEMPLATE"
for run in $(seq 1 "$RUNS"); do
  echo
  echo "run $run"
  printf '%-9s %9s %-9s %8s %12s %8s %12s\n' target rows direction seconds rows/s MB/s "peak MiB"
  for n in "${SIZES[@]}"; do
    for t in "${TARGETS[@]}"; do
      for dir in from to; do
        if [[ $dir == from ]]; then s=${R_IN[$run,$n,$t]}; b=${BYTES[$n]}; else s=${R_OUT[$run,$n,$t]}; b=${R_OUTB[$run,$n,$t]}; fi
        awk -v t="$t" -v n="$n" -v d="$dir" -v s="$s" -v b="$b" -v h="${R_HWM[$run,$n,$t]}" 'BEGIN {
          printf "%-9s %9d %-9s %8.3f %12.0f %8.1f %12s\n", t, n, "COPY " (d == "from" ? "FROM" : "TO"), s,
                 (s > 0 ? n / s : 0), (s > 0 ? b / s / 1e6 : 0), (h == "" ? "-" : sprintf("%.1f", h / 1024))
        }'
      done
    done
  done
  if [[ $ONLY_PG -eq 0 && $ONLY_OURS -eq 0 ]]; then
    awk -v pi="${R_IN[$run,$ROWS,postgres]}" -v oi="${R_IN[$run,$ROWS,ours]}" \
        -v po="${R_OUT[$run,$ROWS,postgres]}" -v oo="${R_OUT[$run,$ROWS,ours]}" \
        -v hs="${R_HWM[$run,$SMALL,ours]}" -v hb="${R_HWM[$run,$ROWS,ours]}" -v n="$ROWS" -v m="$SMALL" 'BEGIN {
      printf "%d rows: COPY FROM ours/PG time = %.2fx (target <= 1.5x); COPY TO ours/PG rate = %.2fx (target >= 1x)\n",
             n, oi / pi, po / oo
      printf "our peak memory: %.1f MiB at %d rows, %.1f MiB at %d rows (target: flat, < 64 MiB)\n",
             hs / 1024, m, hb / 1024, n
    }'
  fi
done
cat <<EOF

note: wall-clock times around each psql \\copy (client reading or writing the file
      included, the same for both servers); psql and the servers share $(nproc) cores.
      PostgreSQL: fsync off, synchronous_commit off. Ours: a SQLite file in WAL mode
      (synchronous=NORMAL), one transaction per COPY FROM. PostgreSQL's backend VmHWM
      counts the shared buffers it touched.
EOF
