#!/usr/bin/env bash
# Runs the benchmark harness; use it through the launcher: ./tolk bench [--quick] [harness options, see --help],
# or ./tolk bench fleet [--quick] for the routing policies over a simulated fleet.
# The launcher has built the jars and exported JAVA_HOME and TOLK_BENCH_JVM_FLAGS (the gateway's JVM flags).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# 10,000 concurrent streams need ~20,000 sockets in the gateway: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Debian packages the harness uses when they are there; CI machines start fresh, so install them when we can.
install_if_missing() { # $1: the command, which is also the package's name
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing $1 (apt-get install -y $1)..." >&2
    { apt-get install -y -qq "$1" || { apt-get update -qq && apt-get install -y -qq "$1"; }; } >/dev/null 2>&1 || true
  fi
  command -v "$1" >/dev/null 2>&1
}

# `bench fleet` (routing policies over a simulated fleet) needs neither of the tools below.
if [[ "${1:-}" != fleet ]]; then
  # The load generator for the concurrent runs is Debian's wrk.
  install_if_missing wrk || echo "bench: wrk not available; using the Java load generator" >&2
  # The reference hop at 50 streams is HAProxy (forwards, translates nothing); optional.
  if [[ " $* " != *" --no-reference "* ]]; then
    install_if_missing haproxy || echo "bench: haproxy not available; no reference hop" >&2
  fi
fi

# `--db-variants` compares gateways with no database, SQLite and PostgreSQL: without --postgres (or
# TOLK_BENCH_POSTGRES) a private PostgreSQL cluster of the distribution's binaries runs for the length of the bench
# (127.0.0.1 at a free port, trust auth, fsync off; as the postgres user under root, since initdb refuses root).
PG_DIR=""
stop_postgres() {
  [[ -n "$PG_DIR" ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ " $* " == *" --db-variants "* && " $* " != *" --postgres "* && -z "${TOLK_BENCH_POSTGRES:-}" ]]; then
  PG_BIN="${TOLK_PG_BIN:-$(pg_config --bindir 2>/dev/null || true)}"
  [[ -x "$PG_BIN/initdb" ]] || PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [[ -x "$PG_BIN/initdb" ]]; then
    PG_DIR="$(mktemp -d /tmp/tolk-bench-pg.XXXXXX)"
    [[ "$(id -u)" == 0 ]] && chown postgres "$PG_DIR"
    PG_PORT=$((20000 + RANDOM % 20000))
    trap stop_postgres EXIT
    if as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null &&
       as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
         -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
    then
      export TOLK_BENCH_POSTGRES="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
      if as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres tolk_bench_keys >/dev/null 2>&1; then
        export TOLK_BENCH_POSTGRES_KEYS="postgresql://postgres@127.0.0.1:$PG_PORT/tolk_bench_keys"
      fi
      echo "bench: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT for --db-variants" >&2
    else
      echo "bench: PostgreSQL did not start ($PG_DIR/log); the PostgreSQL variant is left out" >&2
    fi
  else
    echo "bench: no PostgreSQL binaries (initdb); the PostgreSQL variant is left out" >&2
  fi
fi

"$JAVA" -Xmx1g -jar "$ROOT/tolk-bench/target/tolk-bench.jar" \
  --tolk-jar "$ROOT/tolk-server/target/tolk.jar" --java "$JAVA" "$@"
