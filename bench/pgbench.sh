#!/usr/bin/env bash
# Benchmark a pgwire example server against PostgreSQL 15 with pgbench, in the
# same run, on the same machine.
#
# Usage:
#   bench/pgbench.sh [--server-cmd "CMD"] [--clients 16] [--threads 2] [--time 10]
#                    [--modes "simple extended prepared"] [--script FILE]
#                    [--setup-sql FILE] [--user postgres] [--dbname postgres]
#
#   --server-cmd CMD   command starting the server under test (run from the repo
#                      root through `setsid bash -c "CMD"`). Its first stdout line
#                      must be `listening on HOST:PORT` (a line containing it is
#                      looked for); the port is taken from it. Put `exec` before
#                      the last command of a compound CMD so its pid is the server.
#                      Default: `target/release/server --listen 127.0.0.1:0`
#                      (built with `cargo build --release -p pgwire-examples
#                      --bin server` when missing).
#   --clients N        pgbench -c (default 16)
#   --threads N        pgbench -j (default 2)
#   --time S           pgbench -T, seconds per run (default 10)
#   --modes "M ..."    pgbench -M query modes to run (default "simple extended prepared")
#   --script FILE      pgbench script (default: a generated select1.sql = `SELECT 1;`)
#   --setup-sql FILE   SQL run with psql against BOTH servers before the runs
#                      (e.g. CREATE TABLE/INSERT for the sqlite example)
#   --user U           user pgbench/psql connect as (default postgres)
#   --dbname D         database to connect to (default postgres)
#   --stream SQL       (repeatable) after the pgbench runs, time `psql -c SQL >
#                      /dev/null` against each server (best of 3) and report
#                      rows/s and our server's peak memory (VmHWM) after it
#   --only-pg          (testing) benchmark PostgreSQL only, don't start our server
#   --only-ours        (testing) benchmark our server only, don't start PostgreSQL
#
# For each mode it runs
#   pgbench -n -f SCRIPT -M MODE -c C -j J -T T -h 127.0.0.1 -p PORT -U USER DB
# against PostgreSQL and then against our server, and measures the *server's*
# CPU time during the run from /proc/PID/stat: utime+stime+cutime+cstime of the
# server process plus utime+stime of its live child processes (PostgreSQL
# backends are children of the postmaster; once they exit and are reaped their
# CPU moves into the postmaster's cutime/cstime, so nothing is lost or counted
# twice). Prints TPS and server CPU µs per transaction, and ours/PG ratios.
#
# Environment: PG_BINDIR (default: `pg_config --bindir`, else
# /usr/lib/postgresql/15/bin), PG_OS_USER (default postgres; used when root).
# shellcheck disable=SC2317  # cleanup functions are reached through traps
set -euo pipefail

BENCH_NAME=pgbench.sh

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_SERVER_CMD="target/release/server --listen 127.0.0.1:0"

SERVER_CMD="$DEFAULT_SERVER_CMD"
SERVER_CMD_GIVEN=0
CLIENTS=16
THREADS=2
DURATION=10
MODES="simple extended prepared"
SCRIPT=""
SETUP_SQL=""
DB_USER=postgres
DB_NAME=postgres
ONLY_PG=0
ONLY_OURS=0
STREAMS=()
STARTUP_TIMEOUT=30

usage() { sed -n '2,/^set -euo/{/^set -euo/d;/^# shellcheck/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server-cmd) need_arg "$@"; SERVER_CMD="$2"; SERVER_CMD_GIVEN=1; shift 2 ;;
    --clients)    need_arg "$@"; CLIENTS="$2"; shift 2 ;;
    --threads)    need_arg "$@"; THREADS="$2"; shift 2 ;;
    --time)       need_arg "$@"; DURATION="$2"; shift 2 ;;
    --modes)      need_arg "$@"; MODES="$2"; shift 2 ;;
    --script)     need_arg "$@"; SCRIPT="$2"; shift 2 ;;
    --setup-sql)  need_arg "$@"; SETUP_SQL="$2"; shift 2 ;;
    --user)       need_arg "$@"; DB_USER="$2"; shift 2 ;;
    --dbname)     need_arg "$@"; DB_NAME="$2"; shift 2 ;;
    --stream)     need_arg "$@"; STREAMS+=("$2"); shift 2 ;;
    --only-pg)    ONLY_PG=1; shift ;;
    --only-ours)  ONLY_OURS=1; shift ;;
    -h|--help)    usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

for v in CLIENTS THREADS DURATION; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v,,} must be a positive integer, got '${!v}'"
done
[[ $ONLY_PG -eq 1 && $ONLY_OURS -eq 1 ]] && die "--only-pg and --only-ours are exclusive"
for m in $MODES; do
  case "$m" in simple|extended|prepared) ;; *) die "unknown mode '$m' (simple|extended|prepared)" ;; esac
done
# Make user-given files absolute (we cd to the repo root below).
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
if [[ -n "$SCRIPT" ]]; then [[ -r "$SCRIPT" ]] || die "--script $SCRIPT not readable"; SCRIPT=$(abspath "$SCRIPT"); fi
if [[ -n "$SETUP_SQL" ]]; then [[ -r "$SETUP_SQL" ]] || die "--setup-sql $SETUP_SQL not readable"; SETUP_SQL=$(abspath "$SETUP_SQL"); fi

cd "$REPO_ROOT"

# shellcheck source=bench/lib.sh
source "$REPO_ROOT/bench/lib.sh"
bench_find_pg "$(( ONLY_OURS == 0 ))"
[[ -n "$PGBENCH" ]] || die "pgbench not found (install postgresql-client-15 or run .ci/install-deps.sh)"
bench_init

# ---- script file -----------------------------------------------------------------
if [[ -z "$SCRIPT" ]]; then
  SCRIPT="$WORK/select1.sql"
  echo "SELECT 1;" > "$SCRIPT"
fi
chmod 644 "$SCRIPT" 2>/dev/null || true

if [[ $SERVER_CMD_GIVEN -eq 0 && ! -x target/release/server ]]; then
  log "target/release/server missing; building: cargo build --release -p pgwire-examples --bin server"
  cargo build --release -p pgwire-examples --bin server >&2 \
    || die "could not build the default server (cargo build --release -p pgwire-examples --bin server failed); pass --server-cmd"
fi

run_setup() { # label port
  [[ -n "$SETUP_SQL" ]] || return 0
  log "setup SQL on $1: $SETUP_SQL"
  PGCONNECT_TIMEOUT=10 "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$2" -U "$DB_USER" -d "$DB_NAME" \
      -f "$SETUP_SQL" >"$WORK/setup.$1.log" 2>&1 \
    || die "setup SQL failed on $1:
$(tail -n 20 "$WORK/setup.$1.log")"
}

# ---- benchmark --------------------------------------------------------------------------
declare -A TPS CPU_US FAILED
ANY_FAILED=0

bench_one() { # mode target port pid
  local mode=$1 target=$2 port=$3 pid=$4 out="$WORK/pgbench.$1.$2.log" before after txns tps rc=0
  log "pgbench -M $mode against $target (port $port, ${DURATION}s)"
  before=$(cpu_ticks "$pid")
  # In the background + wait, so a signal to this script runs the cleanup trap
  # at once instead of after pgbench finishes.
  "$PGBENCH" -n -f "$SCRIPT" -M "$mode" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" \
      -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" >"$out" 2>&1 </dev/null &
  BENCH_PID=$!
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=""
  sleep 1   # let backends exit and be reaped
  after=$(cpu_ticks "$pid")
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -n 1)
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out" | head -n 1)
  if [[ $rc -ne 0 || -z "$tps" || -z "$txns" || "$txns" == 0 ]]; then
    log "pgbench failed against $target (mode $mode, exit $rc):"
    tail -n 15 "$out" >&2
    FAILED[$mode,$target]=1; ANY_FAILED=1
    return 0
  fi
  if grep -q 'number of failed transactions: [1-9]' "$out"; then
    log "warning: $(grep 'number of failed transactions' "$out") against $target ($mode)"
  fi
  TPS[$mode,$target]=$tps
  CPU_US[$mode,$target]=$(awk -v d=$((after - before)) -v t="$CLK_TCK" -v n="$txns" \
      'BEGIN {printf "%.2f", d * 1000000 / t / n}')
}

TARGETS=()
[[ $ONLY_PG -eq 1 ]] || { start_ours; TARGETS+=(ours); }
[[ $ONLY_OURS -eq 1 ]] || { start_pg; TARGETS=(postgres "${TARGETS[@]}"); }

port_of() { if [[ $1 == postgres ]]; then echo "$PG_PORT"; else echo "$OURS_PORT"; fi; }
pid_of()  { if [[ $1 == postgres ]]; then echo "$PG_PID";  else echo "$OURS_PID";  fi; }

for t in "${TARGETS[@]}"; do run_setup "$t" "$(port_of "$t")"; done

for m in $MODES; do
  for t in "${TARGETS[@]}"; do
    bench_one "$m" "$t" "$(port_of "$t")" "$(pid_of "$t")"
  done
done

# ---- streams through psql ------------------------------------------------------------------
declare -A STREAM_S STREAM_ROWS STREAM_HWM
peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
for i in "${!STREAMS[@]}"; do
  for t in "${TARGETS[@]}"; do
    best=""
    for _ in 1 2 3; do
      start=$(date +%s.%N)
      rows=$("$PSQL" -X -A -t -q -h 127.0.0.1 -p "$(port_of "$t")" -U "$DB_USER" -d "$DB_NAME" \
          -c "${STREAMS[$i]}" | wc -l) || die "psql stream failed on $t: ${STREAMS[$i]}"
      secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.3f", b - a}')
      if [[ -z "$best" ]] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$secs; fi
    done
    STREAM_S[$i,$t]=$best; STREAM_ROWS[$i,$t]=$rows
    [[ $t == ours ]] && STREAM_HWM[$i]=$(peak_kib "$OURS_PID")
  done
done

# ---- report ----------------------------------------------------------------------------------
echo
echo "pgbench: $("$PGBENCH" --version)"
echo "machine: nproc=$(nproc), $(uname -sr)"
echo "runs: -c $CLIENTS -j $THREADS -T $DURATION, script $( [[ "$SCRIPT" == "$WORK/select1.sql" ]] && echo 'select1.sql (SELECT 1;)' || echo "$SCRIPT")"
[[ $ONLY_PG -eq 1 ]] || echo "ours: $SERVER_CMD"
echo
printf '%-10s %-10s %12s %18s\n' mode target TPS "server CPU us/txn"
printf '%-10s %-10s %12s %18s\n' ---------- ---------- ------------ ------------------
for m in $MODES; do
  for t in "${TARGETS[@]}"; do
    if [[ -n "${FAILED[$m,$t]:-}" ]]; then
      printf '%-10s %-10s %12s %18s\n' "$m" "$t" FAILED -
    else
      printf '%-10s %-10s %12.1f %18.2f\n' "$m" "$t" "${TPS[$m,$t]}" "${CPU_US[$m,$t]}"
    fi
  done
done
if [[ ${#STREAMS[@]} -gt 0 ]]; then
  echo
  printf '%-10s %10s %10s %12s %16s  %s\n' target rows seconds rows/s "our peak memory" query
  for i in "${!STREAMS[@]}"; do
    for t in "${TARGETS[@]}"; do
      awk -v t="$t" -v r="${STREAM_ROWS[$i,$t]}" -v s="${STREAM_S[$i,$t]}" \
          -v h="$( [[ $t == ours ]] && echo "$(( ${STREAM_HWM[$i]:-0} / 1024 )) MiB" || echo -)" -v q="${STREAMS[$i]}" \
          'BEGIN {printf "%-10s %10d %10.3f %12.0f %16s  %s\n", t, r, s, (s > 0 ? r / s : 0), h, q}'
    done
  done
fi
if [[ $ONLY_PG -eq 0 && $ONLY_OURS -eq 0 ]]; then
  echo
  for m in $MODES; do
    if [[ -n "${FAILED[$m,postgres]:-}${FAILED[$m,ours]:-}" ]]; then
      echo "$m: ratio n/a (a run failed)"; continue
    fi
    awk -v m="$m" -v tp="${TPS[$m,postgres]}" -v to="${TPS[$m,ours]}" \
        -v cp="${CPU_US[$m,postgres]}" -v co="${CPU_US[$m,ours]}" 'BEGIN {
      printf "%-10s ours/PG TPS = %.2fx   ours/PG CPU per query = %s\n", m, to / tp,
             (cp > 0 ? sprintf("%.2fx", co / cp) : "n/a")
    }'
  done
fi
cat <<EOF

note: pgbench runs on the same $(nproc)-core machine as the server, so TPS is
      partly client-bound; server CPU per transaction is the fairer comparison.
      CPU is read from /proc/PID/stat (${CLK_TCK} ticks/s): the server process plus
      its child processes (PostgreSQL backends), excluding pgbench itself.
      PostgreSQL's long-lived auxiliary processes (checkpointer, walwriter, ...)
      are counted while alive; connection start-up is included for both.
EOF
exit "$ANY_FAILED"
