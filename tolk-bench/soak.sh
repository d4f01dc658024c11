#!/usr/bin/env bash
# Soak test: the gateway in front of the simulator at 50 concurrent streams for a bounded time (default 30 minutes),
# with a share of failing upstream streams and abandoned clients mixed in. Every interval it records requests,
# errors, latency, the gateway's heap after a full GC, RSS, threads and open file descriptors, so that a leak shows
# as a trend. Use it through the launcher: ./tolk soak [--minutes N] [--connections N] [--interval-seconds N]
# Writes soak-results/<timestamp>.csv and prints a summary. Not part of CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
JAR="$ROOT/tolk-server/target/tolk.jar"

MINUTES=30 CONNECTIONS=50 INTERVAL=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --interval-seconds) INTERVAL="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    { apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; } >/dev/null 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || { echo "soak: needs wrk (apt-get install wrk)" >&2; exit 1; }
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK="$(mktemp -d)"
OUT_DIR="$ROOT/soak-results"; mkdir -p "$OUT_DIR"
CSV="$OUT_DIR/$(date -u +%Y%m%dT%H%M%SZ).csv"
SIM_PORT=$((20000 + RANDOM % 20000)); GW_PORT=$((SIM_PORT + 1))
SIM_PID="" GW_PID=""
cleanup() {
  [[ -n "$GW_PID" ]] && kill -TERM "$GW_PID" 2>/dev/null || true
  [[ -n "$SIM_PID" ]] && kill -TERM "$SIM_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# a private copy: a rebuild during a 30-minute run must not swap classes under the running JVMs
cp "$JAR" "$WORK/tolk.jar"; JAR="$WORK/tolk.jar"

# The simulator: 200-chunk answers, 1 ms apart (a stream lasts ~0.2-0.4 s); one request in 20 asks for a stream that
# the upstream resets mid-way, one in 20 for a stream whose client walks away (wrk's timeout), the rest are normal.
"$JAVA" -XX:+UseSerialGC -Xmx512m -jar "$JAR" sim --port "$SIM_PORT" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SIM_PORT/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
WORDS="$(printf 'word %.0s' $(seq 200))"
curl -sf "http://127.0.0.1:$SIM_PORT/sim/scenario" -H 'content-type: application/yaml' --data-binary @- >/dev/null <<EOF
rules:
  - match: {lastUserText: "fail please"}
    reply: {text: "a b c d e f", chunks: 6, fault: {type: reset, afterChunks: 3}}
  - match: {lastUserText: "take forever"}
    reply: {text: "$WORDS", chunks: 200, chunkDelayMs: 100}
  - reply: {text: "$WORDS", chunks: 200, chunkDelayMs: 1}
EOF

# The gateway, started exactly as the launcher starts it (flags in TOLK_BENCH_JVM_FLAGS, exported by ./tolk).
# shellcheck disable=SC2086
"$JAVA" ${TOLK_BENCH_JVM_FLAGS:-} -jar "$JAR" serve --upstream "http://127.0.0.1:$SIM_PORT" --port "$GW_PORT" --db none \
  >"$WORK/gw.log" 2>&1 &
GW_PID=$!
for _ in $(seq 100); do grep -q "Tolk listening on" "$WORK/gw.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Tolk listening on" "$WORK/gw.log" || { echo "soak: the gateway did not start:" >&2; cat "$WORK/gw.log" >&2; exit 1; }

cat >"$WORK/soak.lua" <<'EOF'
local n = 0
local normal = '{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hello"}]}'
local failing = '{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"fail please"}]}'
local forever = '{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"take forever"}]}'
local plain = '{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
request = function()
  n = n + 1
  local body = normal
  if n % 20 == 0 then body = failing elseif n % 20 == 10 then body = forever elseif n % 10 == 5 then body = plain end
  return wrk.format(nil, "/v1/messages", nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %.1f %.1f\n", summary.requests, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF

proc_field() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }
heap_after_gc_kb() { # a full GC, then the used heap
  "$JCMD" "$GW_PID" GC.run >/dev/null 2>&1 || true
  "$JCMD" "$GW_PID" GC.heap_info 2>/dev/null | awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i+1); sub(/K,?/, "", v); s += v}} END {print s + 0}'
}
sim_stat() { curl -sf "http://127.0.0.1:$SIM_PORT/sim/stats" | sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }

echo "minute,requests,errors_connect,errors_read,errors_write,errors_status,abandoned_timeout,p50_ms,p99_ms,heap_after_gc_kb,rss_kb,threads,fds,upstream_active" >"$CSV"
echo "soak: $MINUTES min at $CONNECTIONS connections, a row every $INTERVAL s -> $CSV" >&2
printf '%6s %9s %7s %9s %8s %8s %10s %9s %8s %5s %7s\n' min requests errors abandoned p50_ms p99_ms heap_MiB rss_MiB threads fds up_open
END=$(( $(date +%s) + MINUTES * 60 ))
minute=0
# wrk's timeout (2 s) is the client that walks away from the 20 s "take forever" streams
while (( $(date +%s) < END )); do
  slice=$(( END - $(date +%s) )); (( slice > INTERVAL )) && slice=$INTERVAL
  (( slice < 1 )) && break
  line="$(wrk -t2 -c"$CONNECTIONS" -d"${slice}s" --timeout 2s -s "$WORK/soak.lua" "http://127.0.0.1:$GW_PORT" 2>&1 | grep '^RESULT' || true)"
  read -r _ req ec er ew es et p50 p99 <<<"${line:-RESULT 0 0 0 0 0 0 0 0}"
  minute=$(( minute + slice ))
  heap=$(heap_after_gc_kb); rss=$(proc_field VmRSS); thr=$(proc_field Threads)
  fds=$(ls "/proc/$GW_PID/fd" | wc -l); up=$(sim_stat active)
  # non-2xx statuses (es) are expected: the failing streams are 200s ending in an error event, so es counts only
  # real HTTP errors
  echo "$(awk "BEGIN{printf \"%.1f\", $minute/60}"),$req,$ec,$er,$ew,$et,$p50,$p99,$heap,$rss,$thr,$fds,$up" >>"$CSV"
  printf '%6.1f %9d %7d %9d %8.1f %8.1f %10.1f %9.1f %8d %5d %7s\n' "$(awk "BEGIN{print $minute/60}")" "$req" \
    "$((ec + er + ew + es))" "$et" "$p50" "$p99" "$(awk "BEGIN{print $heap/1024}")" "$(awk "BEGIN{print $rss/1024}")" "$thr" "$fds" "$up"
done
sleep 3
echo "soak: done; upstream requests still open 3 s after the load stopped: $(sim_stat active); gateway log lines at WARN/ERROR: $(grep -cE ' (WARN|ERROR) ' "$WORK/gw.log" || true)" >&2
