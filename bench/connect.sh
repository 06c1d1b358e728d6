#!/usr/bin/env bash
# Connection-setup benchmark: a pgwire example server vs PostgreSQL 15, configured
# the same way, in the same run, with pgbench opening a new connection per
# transaction (-C). One run per authentication mode:
#
#   trust      no password
#   md5        MD5 challenge (password stored as an md5 hash on both sides)
#   scram      SCRAM-SHA-256 without TLS
#   scram-tls  SCRAM-SHA-256 over TLS (sslmode=require; ECDSA P-256 certificate,
#              the same files for both servers)
#
# Usage:
#   bench/connect.sh [--server-cmd "CMD"] [--clients 4] [--threads 2] [--time 10]
#                    [--rounds 2] [--modes "trust md5 scram scram-tls"]
#
#   --server-cmd CMD  our server, started once per mode with the mode's flags
#                     appended (--auth …, --user …, --tls-cert/--tls-key). Its
#                     first stdout line must be `listening on HOST:PORT`.
#                     Default: target/release/server --listen 127.0.0.1:0 (built
#                     with cargo build --release when missing).
#   --clients/--threads/--time   pgbench -c / -j / -T (default 4 / 2 / 10)
#   --rounds N        repeat the whole PostgreSQL/ours sequence N times (default 2)
#                     and add up connections and CPU, so that load from other
#                     processes drifting over the run weighs on both sides alike
#   --modes "M ..."   subset of "trust md5 scram scram-tls"
#
# For each mode it runs, against PostgreSQL and then ours,
#   pgbench -n -C -f select1.sql -c C -j J -T T -h 127.0.0.1 -p PORT -U USER postgres
# with PGPASSWORD and PGSSLMODE (disable, or require for scram-tls) set, and
# measures the server's CPU time from /proc/PID/stat: the process's
# utime+stime+cutime+cstime plus its live children's utime+stime (PostgreSQL
# forks a backend per connection; reaped backends move into the postmaster's
# cutime/cstime). Prints connections/s and server CPU µs per connection.
#
# Needs: PostgreSQL 15 binaries (postgres, initdb, pgbench, psql), openssl.
# Environment: PG_BINDIR (default /usr/lib/postgresql/15/bin), PG_OS_USER
# (default postgres; used when root).
# shellcheck disable=SC2317  # cleanup functions are reached through traps
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=connect.sh
BASE_CMD="target/release/server --listen 127.0.0.1:0"
SERVER_CMD_GIVEN=0
CLIENTS=4
THREADS=2
DURATION=10
ROUNDS=2
MODES="trust md5 scram scram-tls"
PASSWORD=bench-pw
STARTUP_TIMEOUT=30

# shellcheck source=bench/lib.sh
source "$REPO_ROOT/bench/lib.sh"
usage() { sed -n '2,/^set -euo/{/^set -euo/d;/^# shellcheck/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server-cmd) need_arg "$@"; BASE_CMD="$2"; SERVER_CMD_GIVEN=1; shift 2 ;;
    --clients)    need_arg "$@"; CLIENTS="$2"; shift 2 ;;
    --threads)    need_arg "$@"; THREADS="$2"; shift 2 ;;
    --time)       need_arg "$@"; DURATION="$2"; shift 2 ;;
    --modes)      need_arg "$@"; MODES="$2"; shift 2 ;;
    --rounds)     need_arg "$@"; ROUNDS="$2"; shift 2 ;;
    -h|--help)    usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
for v in CLIENTS THREADS DURATION ROUNDS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v,,} must be a positive integer, got '${!v}'"
done
for m in $MODES; do
  case "$m" in trust|md5|scram|scram-tls) ;; *) die "unknown mode '$m'" ;; esac
done
cd "$REPO_ROOT"

bench_find_pg 1
for b in pgbench pg_isready; do
  [[ -x "$PG_BINDIR/$b" ]] || die "$PG_BINDIR/$b not found (set PG_BINDIR or run .ci/install-deps.sh)"
done
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
bench_init

# ---- certificate (ECDSA P-256, as secure_server generates) -------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.crt" >/dev/null 2>&1 || die "openssl failed"
chmod 600 "$WORK/server.key"
[[ ${#AS_PG[@]} -gt 0 ]] && chown "$PG_OS_USER": "$WORK/server.key" "$WORK/server.crt"
echo "SELECT 1;" > "$WORK/select1.sql"; chmod 644 "$WORK/select1.sql"

# ---- PostgreSQL: one user per method -------------------------------------------------
start_pg_users() {
  PG_EXTRA_CONF="ssl = on
ssl_cert_file = '$WORK/server.crt'
ssl_key_file = '$WORK/server.key'"
  PG_HBA="local all all trust
host all u_trust 127.0.0.1/32 trust
host all u_md5 127.0.0.1/32 md5
host all u_scram 127.0.0.1/32 scram-sha-256"
  start_pg
  "$PSQL" -X -q -h "$WORK/pg" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<EOF >/dev/null
CREATE ROLE u_trust LOGIN;
SET password_encryption = 'md5';
CREATE ROLE u_md5 LOGIN PASSWORD '$PASSWORD';
SET password_encryption = 'scram-sha-256';
CREATE ROLE u_scram LOGIN PASSWORD '$PASSWORD';
EOF
}

declare -A CONNS TICKS FAILED CPS CPU
bench_one() { # mode target port pid user sslmode
  local mode=$1 target=$2 port=$3 pid=$4 user=$5 ssl=$6 out="$WORK/pgbench.$1.$2.log" before after n rc=0
  before=$(cpu_ticks "$pid")
  PGPASSWORD=$PASSWORD PGSSLMODE=$ssl "$PG_BINDIR/pgbench" -n -C -f "$WORK/select1.sql" \
    -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -h 127.0.0.1 -p "$port" -U "$user" postgres \
    >"$out" 2>&1 </dev/null || rc=$?
  sleep 1
  after=$(cpu_ticks "$pid")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out" | head -n 1)
  if [[ $rc -ne 0 || -z "$n" || "$n" == 0 ]]; then
    log "pgbench failed against $target ($mode):"; tail -n 10 "$out" >&2
    FAILED[$mode,$target]=1; return 0
  fi
  CONNS[$mode,$target]=$(( ${CONNS[$mode,$target]:-0} + n ))
  TICKS[$mode,$target]=$(( ${TICKS[$mode,$target]:-0} + after - before ))
}

if [[ $SERVER_CMD_GIVEN -eq 0 && ! -x target/release/server ]]; then
  log "building target/release/server"
  cargo build --release -p pgwire-examples --bin server >&2 || die "cargo build failed"
fi
start_pg_users
for round in $(seq 1 "$ROUNDS"); do
for m in $MODES; do
  case "$m" in
    trust)     user=u_trust; ssl=disable; args="--auth trust" ;;
    md5)       user=u_md5;   ssl=disable; args="--auth md5 --user u_md5:$PASSWORD" ;;
    scram)     user=u_scram; ssl=disable; args="--auth scram --user u_scram:$PASSWORD" ;;
    scram-tls) user=u_scram; ssl=require
               args="--auth scram --user u_scram:$PASSWORD --tls-cert $WORK/server.crt --tls-key $WORK/server.key" ;;
  esac
  log "round $round, mode $m: PostgreSQL"
  bench_one "$m" postgres "$PG_PORT" "$PG_PID" "$user" "$ssl"
  SERVER_CMD="exec $BASE_CMD $args"
  start_ours
  log "round $round, mode $m: ours"
  bench_one "$m" ours "$OURS_PORT" "$OURS_PID" "$user" "$ssl"
  stop_ours
done
done
for m in $MODES; do
  for t in postgres ours; do
    [[ -n "${FAILED[$m,$t]:-}" ]] && continue
    CPS[$m,$t]=$(awk -v n="${CONNS[$m,$t]}" -v t=$(( DURATION * ROUNDS )) 'BEGIN {printf "%.1f", n / t}')
    CPU[$m,$t]=$(awk -v d="${TICKS[$m,$t]}" -v k="$CLK_TCK" -v n="${CONNS[$m,$t]}" 'BEGIN {printf "%.1f", d * 1000000 / k / n}')
  done
done

echo
echo "pgbench -C (new connection per transaction): -c $CLIENTS -j $THREADS -T $DURATION x $ROUNDS rounds, SELECT 1"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: nproc=$(nproc), $(uname -sr); ours: $BASE_CMD"
echo
printf '%-10s %-9s %14s %20s\n' mode target "connections/s" "server CPU us/conn"
for m in $MODES; do
  for t in postgres ours; do
    if [[ -n "${FAILED[$m,$t]:-}" ]]; then printf '%-10s %-9s %14s %20s\n' "$m" "$t" FAILED -
    else printf '%-10s %-9s %14s %20s\n' "$m" "$t" "${CPS[$m,$t]}" "${CPU[$m,$t]}"; fi
  done
done
echo
for m in $MODES; do
  [[ -n "${FAILED[$m,postgres]:-}${FAILED[$m,ours]:-}" ]] && { echo "$m: n/a"; continue; }
  awk -v m="$m" -v cp="${CPU[$m,postgres]}" -v co="${CPU[$m,ours]}" -v p="${CPS[$m,postgres]}" -v o="${CPS[$m,ours]}" \
    'BEGIN {printf "%-10s server CPU per connection: ours = 1/%.1f of PostgreSQL; connections/s ours/PG = %.2fx\n", m, (co > 0 ? cp / co : 0), o / p}'
done
echo
echo "note: pgbench (and its libpq: PBKDF2 for SCRAM, TLS) runs on the same $(nproc) cores, so"
echo "      connections/s is client-bound; server CPU per connection is the comparison that counts."
