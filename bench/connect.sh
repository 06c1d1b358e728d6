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

die() { echo "connect.sh: error: $*" >&2; exit 1; }
log() { echo "connect.sh: $*" >&2; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVER_CMD="target/release/server --listen 127.0.0.1:0"
SERVER_CMD_GIVEN=0
CLIENTS=4
THREADS=2
DURATION=10
ROUNDS=2
MODES="trust md5 scram scram-tls"
PASSWORD=bench-pw
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

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
for b in postgres initdb pgbench psql pg_isready; do
  [[ -x "$PG_BINDIR/$b" ]] || die "$PG_BINDIR/$b not found (set PG_BINDIR or run .ci/install-deps.sh)"
done
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
PG_OS_USER=${PG_OS_USER:-postgres}
AS_PG=()
if [[ $(id -u) -eq 0 ]]; then
  id "$PG_OS_USER" >/dev/null 2>&1 || die "running as root but OS user '$PG_OS_USER' does not exist"
  AS_PG=(setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups --)
fi
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d /tmp/pgwire-connect.XXXXXX)
chmod 755 "$WORK"
PG_PID=""
OURS_PID=""

wait_gone() { # pid seconds
  local pid=$1 n=$(( $2 * 10 ))
  while kill -0 "$pid" 2>/dev/null && [[ $n -gt 0 ]]; do
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    sleep 0.1; n=$((n - 1))
  done
  ! kill -0 "$pid" 2>/dev/null || [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]
}
stop_ours() {
  if [[ -n "$OURS_PID" ]]; then
    kill -TERM -- "-$OURS_PID" 2>/dev/null || kill -TERM "$OURS_PID" 2>/dev/null || true
    wait_gone "$OURS_PID" 5 || kill -KILL -- "-$OURS_PID" 2>/dev/null || true
    wait "$OURS_PID" 2>/dev/null || true
    OURS_PID=""
  fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_ours
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true
    wait_gone "$PG_PID" 10 || kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cpu_ticks() { # pid -> utime+stime+cutime+cstime (+ live children's utime+stime)
  local pid=$1 total stat rest kids k
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
  rest=${stat##*) }
  total=$(awk '{print $12 + $13 + $14 + $15}' <<<"$rest")
  kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
  for k in $kids; do
    stat=$(cat "/proc/$k/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    total=$(( total + $(awk '{print $12 + $13}' <<<"$rest") ))
  done
  echo "$total"
}
free_port() {
  local p hex
  for _ in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    hex=$(printf ':%04X' "$p")
    awk -v h="$hex" 'NR>1 && substr($2, length($2)-4) == h {f=1} END {exit !f}' /proc/net/tcp /proc/net/tcp6 2>/dev/null \
      || { echo "$p"; return 0; }
  done
  die "no free port"
}

# ---- certificate (ECDSA P-256, as secure_server generates) -------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.crt" >/dev/null 2>&1 || die "openssl failed"
chmod 600 "$WORK/server.key"
[[ ${#AS_PG[@]} -gt 0 ]] && chown "$PG_OS_USER": "$WORK/server.key" "$WORK/server.crt"
echo "SELECT 1;" > "$WORK/select1.sql"; chmod 644 "$WORK/select1.sql"

# ---- PostgreSQL: one user per method -------------------------------------------------
start_pg() {
  local pgdir="$WORK/pg" data="$WORK/pg/data"
  mkdir -p "$pgdir"; [[ ${#AS_PG[@]} -gt 0 ]] && chown "$PG_OS_USER": "$pgdir"
  (cd "$pgdir" && env -u PGPORT -u PGHOST LC_ALL=C "${AS_PG[@]}" "$PG_BINDIR/initdb" -D "$data" \
     -A trust -U postgres --no-sync -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1) \
    || die "initdb failed: $(tail -n 20 "$pgdir/initdb.log")"
  cat >> "$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
fsync = off
synchronous_commit = off
max_connections = 100
ssl = on
ssl_cert_file = '$WORK/server.crt'
ssl_key_file = '$WORK/server.key'
EOF
  cat > "$data/pg_hba.conf" <<EOF
local all all trust
host all u_trust 127.0.0.1/32 trust
host all u_md5 127.0.0.1/32 md5
host all u_scram 127.0.0.1/32 scram-sha-256
EOF
  PG_PORT=$(free_port)
  : > "$pgdir/postgres.log"; chmod 666 "$pgdir/postgres.log"
  (cd "$pgdir" && exec env -u PGPORT -u PGHOST "${AS_PG[@]}" "$PG_BINDIR/postgres" -D "$data" -p "$PG_PORT" \
     >>"$pgdir/postgres.log" 2>&1 </dev/null) &
  local deadline=$(( SECONDS + STARTUP_TIMEOUT ))
  until "$PG_BINDIR/pg_isready" -q -t 1 -h "$pgdir" -p "$PG_PORT" -U postgres -d postgres; do
    (( SECONDS < deadline )) || die "postgres not ready: $(tail -n 20 "$pgdir/postgres.log")"
    sleep 0.1
  done
  PG_PID=$(head -n 1 "$data/postmaster.pid")
  "$PG_BINDIR/psql" -X -q -h "$pgdir" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<EOF >/dev/null
CREATE ROLE u_trust LOGIN;
SET password_encryption = 'md5';
CREATE ROLE u_md5 LOGIN PASSWORD '$PASSWORD';
SET password_encryption = 'scram-sha-256';
CREATE ROLE u_scram LOGIN PASSWORD '$PASSWORD';
EOF
  log "PostgreSQL: pid $PG_PID, port $PG_PORT"
}

# ---- our server, per mode ------------------------------------------------------------------
start_ours() { # extra args...
  local out="$WORK/ours.stdout" err="$WORK/ours.stderr" line=""
  : > "$out"
  setsid bash -c "exec $SERVER_CMD $*" >"$out" 2>"$err" </dev/null &
  OURS_PID=$!
  local deadline=$(( SECONDS + STARTUP_TIMEOUT ))
  until line=$(grep -m 1 'listening on' "$out" 2>/dev/null); do
    kill -0 "$OURS_PID" 2>/dev/null || die "our server exited: $(tail -n 20 "$err")"
    (( SECONDS < deadline )) || die "our server printed no 'listening on' line"
    sleep 0.1
  done
  OURS_PORT=${line##*:}
  log "ours ($*): pid $OURS_PID, port $OURS_PORT"
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
start_pg
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
  start_ours "$args"
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
echo "machine: nproc=$(nproc), $(uname -sr); ours: $SERVER_CMD"
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
