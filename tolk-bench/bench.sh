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

exec "$JAVA" -Xmx1g -jar "$ROOT/tolk-bench/target/tolk-bench.jar" \
  --tolk-jar "$ROOT/tolk-server/target/tolk.jar" --java "$JAVA" "$@"
