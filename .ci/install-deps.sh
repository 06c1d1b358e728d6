#!/usr/bin/env bash
# Make sure a (fresh) Debian 12 machine, running as root, has what pgwire's
# tests and benchmarks need. Idempotent: re-running it does nothing when all is
# in place. Prints what it did.
#
#   1. PostgreSQL 15 server + client binaries (postgres, initdb, psql, pgbench,
#      pg_isready) from Debian's postgresql-15 / postgresql-client-15.
#      No service is started (tests start their own throw-away servers); the
#      packaged "15/main" cluster, if the package creates one, stays stopped.
#   2. The `postgres` OS user (PostgreSQL refuses to run as root).
#   3. A Python venv with psycopg (3.2+, binary) and asyncpg for client-
#      compatibility tests, at ${PGWIRE_VENV:-$HOME/.cache/pgwire-venv}.
#      Skip with PGWIRE_SKIP_VENV=1. Use it as "$PGWIRE_VENV/bin/python".
#
# Environment: PGWIRE_VENV, PGWIRE_SKIP_VENV, PG_BINDIR (default
# /usr/lib/postgresql/15/bin).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
VENV=${PGWIRE_VENV:-$HOME/.cache/pgwire-venv}

say() { echo "install-deps: $*"; }
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
fi

APT_UPDATED=0
apt_install() {
  if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    say "ERROR: need root (or sudo) to apt-get install $*" >&2
    exit 1
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  # Keep package scripts from starting services (invoke-rc.d and
  # deb-systemd-invoke honour policy-rc.d exit code 101), unless the machine
  # already has its own policy.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      --no-install-recommends "$@" >/tmp/install-deps.apt.log 2>&1 || rc=$?
  [[ $own_policy -eq 1 ]] && "${SUDO[@]}" rm -f "$policy"
  if [[ $rc -ne 0 ]]; then
    tail -n 30 /tmp/install-deps.apt.log >&2
    say "ERROR: apt-get install $* failed (exit $rc)" >&2
    exit "$rc"
  fi
}

# ---- 1. PostgreSQL 15 -------------------------------------------------------------
missing=()
for b in postgres initdb pg_isready; do [[ -x "$PG_BINDIR/$b" ]] || missing+=("$b"); done
for b in psql pgbench; do
  [[ -x "$PG_BINDIR/$b" ]] || command -v "$b" >/dev/null 2>&1 || missing+=("$b")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "missing PostgreSQL binaries: ${missing[*]}"
  apt_install postgresql-15 postgresql-client-15
  for b in postgres initdb psql pgbench pg_isready; do
    [[ -x "$PG_BINDIR/$b" ]] || { say "ERROR: $PG_BINDIR/$b still missing after install" >&2; exit 1; }
  done
  say "installed PostgreSQL: $("$PG_BINDIR/postgres" --version)"
else
  say "PostgreSQL present: $("$PG_BINDIR/postgres" --version)"
fi

# ---- 2. postgres OS user ---------------------------------------------------------------
if id postgres >/dev/null 2>&1; then
  say "OS user postgres present"
else
  say "creating OS user postgres"
  "${SUDO[@]}" useradd --system --user-group --home-dir /var/lib/postgresql \
      --no-create-home --shell /bin/bash postgres
fi

# ---- 3. Python venv with psycopg + asyncpg ------------------------------------------------
# ===================== Python client-compat venv ==========================
if [[ "${PGWIRE_SKIP_VENV:-0}" == 1 ]]; then
  say "PGWIRE_SKIP_VENV=1: skipping Python venv"
  exit 0
fi

PY_CHECK='
import sys, psycopg, asyncpg
v = tuple(int(x) for x in psycopg.__version__.split(".")[:2])
sys.exit(0 if v >= (3, 2) else 1)
'
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "$PY_CHECK" >/dev/null 2>&1; then
  say "venv $VENV ok (psycopg $("$VENV/bin/python" -c 'import psycopg; print(psycopg.__version__)'), asyncpg $("$VENV/bin/python" -c 'import asyncpg; print(asyncpg.__version__)'))"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  say "python3 venv support missing"
  apt_install python3 python3-venv
fi

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  say "creating venv $VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv --clear "$VENV"
fi
say "pip install psycopg[binary]>=3.2 asyncpg into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "psycopg[binary]>=3.2" asyncpg
if ! "$VENV/bin/python" -c "$PY_CHECK"; then
  say "ERROR: psycopg/asyncpg still not importable in $VENV" >&2
  exit 1
fi
say "venv $VENV ready (psycopg $("$VENV/bin/python" -c 'import psycopg; print(psycopg.__version__)'), asyncpg $("$VENV/bin/python" -c 'import asyncpg; print(asyncpg.__version__)'))"
# ==========================================================================
