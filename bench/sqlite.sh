#!/usr/bin/env bash
# The sqlite example against PostgreSQL 15 on the same data, in the same run
# (issue 3's targets): a 100-row read (`SELECT * FROM t100`, 3 columns) and a
# point query (`SELECT * FROM t100k WHERE id = $1`) with pgbench, then
# 100,000 and 1,000,000 rows streamed through psql to /dev/null, with our
# server's peak memory after each (it must stay flat in the row count).
#
# Usage: bench/sqlite.sh [--clients 16] [--threads 2] [--time 10] [--modes "prepared"]
#
# Builds target/release/sqlite when missing. Tables come from
# bench/sqlite/setup.sql (run on both servers); scripts are bench/sqlite/*.sql.
# Everything else (server start, CPU accounting, report) is bench/pgbench.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS=(--modes prepared)
[[ $# -gt 0 ]] && ARGS=("$@")
if [[ ! -x target/release/sqlite ]]; then
  cargo build --release -p pgwire-examples --bin sqlite >&2
fi
SERVER="exec target/release/sqlite --listen 127.0.0.1:0"
echo "== 100-row read"
bench/pgbench.sh --server-cmd "$SERVER" --setup-sql bench/sqlite/setup.sql \
  --script bench/sqlite/read100.sql "${ARGS[@]}" \
  --stream "SELECT * FROM t1m LIMIT 100000" --stream "SELECT * FROM t1m"
echo
echo "== point query on 100k rows"
bench/pgbench.sh --server-cmd "$SERVER" --setup-sql bench/sqlite/setup.sql \
  --script bench/sqlite/point.sql "${ARGS[@]}"
