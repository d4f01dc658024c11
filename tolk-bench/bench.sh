#!/usr/bin/env bash
# Runs the benchmark harness; use it through the launcher: ./tolk bench [--quick] [harness options, see --help].
# The launcher has built the jars and exported JAVA_HOME and TOLK_BENCH_JVM_FLAGS (the gateway's JVM flags).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# 10,000 concurrent streams need ~20,000 sockets in the gateway: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The load generator for the concurrent runs is Debian's wrk; CI machines start fresh, so install it when we can.
if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing wrk (apt-get install -y wrk)..." >&2
    { apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; } >/dev/null 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || echo "bench: wrk not available; using the Java load generator" >&2
fi

# The reference hop at 50 streams is HAProxy (forwards, translates nothing); optional, installed the same way.
if ! command -v haproxy >/dev/null 2>&1 && [[ " $* " != *" --no-reference "* ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing haproxy (apt-get install -y haproxy)..." >&2
    { apt-get install -y -qq haproxy || { apt-get update -qq && apt-get install -y -qq haproxy; }; } >/dev/null 2>&1 || true
  fi
  command -v haproxy >/dev/null 2>&1 || echo "bench: haproxy not available; no reference hop" >&2
fi

exec "$JAVA" -Xmx1g -jar "$ROOT/tolk-bench/target/tolk-bench.jar" \
  --tolk-jar "$ROOT/tolk-server/target/tolk.jar" --java "$JAVA" "$@"
