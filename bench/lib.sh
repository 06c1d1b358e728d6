# Shared by the bench/*.sh scripts (sourced, not run): finding PostgreSQL's binaries,
# a temp dir with a cleanup trap, free ports, CPU accounting, and starting our server and
# a throw-away PostgreSQL 15. The sourcing script sets BENCH_NAME (for messages),
# STARTUP_TIMEOUT and, for start_ours, SERVER_CMD; it runs from the repo root.
# shellcheck shell=bash disable=SC2317,SC2034  # cleanup is reached through a trap; variables are for the sourcing script

die() { echo "$BENCH_NAME: error: $*" >&2; exit 1; }
log() { echo "$BENCH_NAME: $*" >&2; }

# ---- PostgreSQL binaries ----------------------------------------------------
# bench_find_pg [NEED_SERVER=1]: sets PG_BINDIR, PSQL, PGBENCH (empty when missing),
# AS_PG (the command prefix running PostgreSQL as PG_OS_USER when root) and CLK_TCK;
# with NEED_SERVER=1 also checks for postgres and initdb.
bench_find_pg() {
  local d
  if [[ -z "${PG_BINDIR:-}" ]]; then
    PG_BINDIR=/usr/lib/postgresql/15/bin
    if command -v pg_config >/dev/null 2>&1; then
      d=$(pg_config --bindir 2>/dev/null || true)
      [[ -n "$d" && -x "$d/postgres" ]] && PG_BINDIR="$d"
    fi
  fi
  PGBENCH="$PG_BINDIR/pgbench"; [[ -x "$PGBENCH" ]] || PGBENCH=$(command -v pgbench || true)
  PSQL="$PG_BINDIR/psql";       [[ -x "$PSQL" ]] || PSQL=$(command -v psql || true)
  [[ -n "$PSQL" ]] || die "psql not found (install postgresql-client-15 or run .ci/install-deps.sh)"
  if [[ ${1:-1} -eq 1 ]]; then
    for b in postgres initdb; do
      [[ -x "$PG_BINDIR/$b" ]] || die "$PG_BINDIR/$b not found (set PG_BINDIR or run .ci/install-deps.sh)"
    done
  fi
  PG_OS_USER=${PG_OS_USER:-postgres}
  AS_PG=()
  if [[ $(id -u) -eq 0 ]]; then
    id "$PG_OS_USER" >/dev/null 2>&1 || die "running as root but OS user '$PG_OS_USER' does not exist"
    if command -v setpriv >/dev/null 2>&1; then
      # setpriv execs in place (no extra process), unlike runuser.
      AS_PG=(setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups --)
    else
      AS_PG=(runuser -u "$PG_OS_USER" --)
    fi
  fi
  CLK_TCK=$(getconf CLK_TCK)
}

# ---- temp dir and cleanup ------------------------------------------------------
# bench_init: makes the temp dir WORK and installs the cleanup trap, which stops our
# server (OURS_PID), PostgreSQL (PG_PID) and a running client (BENCH_PID).
bench_init() {
  WORK=$(mktemp -d /tmp/pgwire-bench.XXXXXX)
  chmod 755 "$WORK"
  PG_PID=""
  OURS_PID=""
  BENCH_PID=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

wait_gone() { # pid timeout_seconds -> 0 if gone
  local pid=$1 n=$(( $2 * 10 ))
  while kill -0 "$pid" 2>/dev/null && [[ $n -gt 0 ]]; do
    # A zombie child of ours counts as gone.
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    sleep 0.1; n=$((n - 1))
  done
  ! kill -0 "$pid" 2>/dev/null || [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]
}

stop_ours() { # stops the server start_ours started, if any
  [[ -n "$OURS_PID" ]] || return 0
  # Signal its whole process group (see start_ours), then the pid itself.
  kill -TERM -- "-$OURS_PID" 2>/dev/null || kill -TERM "$OURS_PID" 2>/dev/null || true
  wait_gone "$OURS_PID" 5 || { kill -KILL -- "-$OURS_PID" 2>/dev/null || true; kill -KILL "$OURS_PID" 2>/dev/null || true; }
  wait "$OURS_PID" 2>/dev/null || true
  OURS_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$BENCH_PID" ]]; then kill -TERM "$BENCH_PID" 2>/dev/null || true; fi
  stop_ours
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true          # fast shutdown
    wait_gone "$PG_PID" 10 || { kill -QUIT "$PG_PID" 2>/dev/null || true; wait_gone "$PG_PID" 5 || kill -KILL "$PG_PID" 2>/dev/null || true; }
  fi
  wait 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}

# ---- helpers ---------------------------------------------------------------------
port_in_use() { # port -> 0 if something has it (any state) in /proc/net/tcp{,6}
  local hex; hex=$(printf '%04X' "$1")
  awk -v h=":$hex" 'NR>1 && substr($2, length($2)-4) == h {found=1} END {exit !found}' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "could not find a free port"
}

# CPU ticks of process $1: its own utime+stime+cutime+cstime plus utime+stime
# of its live children (fields 14-17 of /proc/PID/stat; the comm field may
# contain spaces, so split after the last ')').
cpu_ticks() {
  local pid=$1 total=0 stat rest kids k
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
  rest=${stat##*) }
  # rest starts at field 3 (state): utime=field 14 -> 12th word here.
  total=$(awk '{print $12 + $13 + $14 + $15}' <<<"$rest")
  kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
  for k in $kids; do
    stat=$(cat "/proc/$k/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    total=$(( total + $(awk '{print $12 + $13}' <<<"$rest") ))
  done
  echo "$total"
}

# ---- our server --------------------------------------------------------------------
# start_ours: runs SERVER_CMD (its first stdout line must say `listening on HOST:PORT`);
# sets OURS_PID and OURS_PORT.
start_ours() {
  local out="$WORK/ours.stdout" err="$WORK/ours.stderr"
  : > "$out"
  log "starting our server: $SERVER_CMD"
  # Own session/process group (setsid does not fork here: a background job of a
  # non-interactive shell is not a group leader), so cleanup can signal the
  # whole group even when CMD is a compound shell command. For a single simple
  # command bash execs it, so OURS_PID is the server itself; otherwise it is
  # the wrapper shell and the server's CPU is still counted as its child.
  setsid bash -c "$SERVER_CMD" >"$out" 2>"$err" </dev/null &
  OURS_PID=$!
  local deadline=$(( SECONDS + STARTUP_TIMEOUT )) line=""
  while :; do
    line=$(grep -m 1 'listening on' "$out" 2>/dev/null || true)
    if [[ "$line" == *"listening on"* ]]; then break; fi
    if ! kill -0 "$OURS_PID" 2>/dev/null || [[ "$(awk '{print $3}' "/proc/$OURS_PID/stat" 2>/dev/null)" == Z ]]; then
      local st=0; wait "$OURS_PID" 2>/dev/null || st=$?
      die "server command exited (status $st) before printing 'listening on HOST:PORT': $SERVER_CMD
--- stdout ---
$(tail -n 20 "$out")
--- stderr ---
$(tail -n 20 "$err")"
    fi
    if (( SECONDS >= deadline )); then
      die "server command printed no 'listening on HOST:PORT' line within ${STARTUP_TIMEOUT}s: $SERVER_CMD
--- stdout ---
$(tail -n 20 "$out")
--- stderr ---
$(tail -n 20 "$err")"
    fi
    sleep 0.1
  done
  OURS_PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
  [[ -n "$OURS_PORT" ]] || die "could not parse a port from the server's first line: '$line'"
  log "our server: pid $OURS_PID, port $OURS_PORT"
}

# ---- PostgreSQL ------------------------------------------------------------------------
# start_pg: initdb + postgres (fsync off) on a free port in WORK; sets PG_PID, PG_PORT.
# PG_EXTRA_CONF (lines for postgresql.conf) and PG_HBA (a whole pg_hba.conf) adjust it.
start_pg() {
  local pgdir="$WORK/pg" data="$WORK/pg/data"
  mkdir -p "$pgdir"
  [[ ${#AS_PG[@]} -gt 0 ]] && chown "$PG_OS_USER": "$pgdir"
  log "initdb ($PG_BINDIR)"
  (cd "$pgdir" && env -u PGPORT -u PGHOST -u PGDATA LC_ALL=C "${AS_PG[@]}" "$PG_BINDIR/initdb" -D "$data" \
      -A trust -U postgres --no-sync -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1) \
    || die "initdb failed:
$(tail -n 20 "$pgdir/initdb.log")"
  cat >> "$data/postgresql.conf" <<EOF

# ---- added by bench/$BENCH_NAME ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
${PG_EXTRA_CONF:-}
EOF
  if [[ -n "${PG_HBA:-}" ]]; then echo "$PG_HBA" > "$data/pg_hba.conf"; fi
  for _ in 1 2 3 4 5; do
    PG_PORT=$(free_port)
    : > "$pgdir/postgres.log"; chmod 666 "$pgdir/postgres.log"
    (cd "$pgdir" && exec env -u PGPORT -u PGHOST -u PGDATA "${AS_PG[@]}" "$PG_BINDIR/postgres" -D "$data" -p "$PG_PORT" \
        >>"$pgdir/postgres.log" 2>&1 </dev/null) &
    local launcher=$! deadline=$(( SECONDS + STARTUP_TIMEOUT ))
    while :; do
      if "$PG_BINDIR/pg_isready" -q -t 1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres 2>/dev/null; then
        PG_PID=$(head -n 1 "$data/postmaster.pid")
        log "PostgreSQL: postmaster pid $PG_PID, port $PG_PORT"
        return 0
      fi
      if ! kill -0 "$launcher" 2>/dev/null; then
        wait "$launcher" 2>/dev/null || true
        if grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets' "$pgdir/postgres.log"; then
          log "port $PG_PORT taken, retrying"; continue 2
        fi
        die "postgres exited during startup:
$(tail -n 20 "$pgdir/postgres.log")"
      fi
      # Remember the postmaster pid as soon as it exists, for cleanup.
      [[ -s "$data/postmaster.pid" ]] && PG_PID=$(head -n 1 "$data/postmaster.pid")
      (( SECONDS >= deadline )) && die "postgres not ready after ${STARTUP_TIMEOUT}s:
$(tail -n 20 "$pgdir/postgres.log")"
      sleep 0.1
    done
  done
  die "could not start postgres on a free port"
}
