package dev.tolk.bench;

import java.util.List;

/**
 * The workload and the simulated fleet of {@code tolk bench fleet}.
 *
 * <p>Times are scaled down from a real GPU so the whole run takes a few minutes on two cores; the ratios are what
 * matter. At the full run's {@value #FULL_PREFILL_US} µs per uncached prompt token, a 20,000-token prompt computed
 * from scratch costs 0.8 s of modelled prefill (a real 30B-class model on one GPU takes 1–2 s) and a cached one only
 * its new tail; decode at {@value #FULL_DECODE_US} µs per output token makes a reply of 40 or 120 tokens 0.3 or
 * 1 s. A request thus lasts about as long as the gateway's interval between two scrapes of vLLM's {@code /metrics}
 * (1 s), as a real one lasts longer than it: with 0.2 s requests the load the gateway routes on was several requests
 * old. Between two turns the client runs the tool for 0 to {@code thinkMaxMillis} (fixed per session and turn); with
 * equal replies and no pause, 8 clients in lock step met the same instance on every turn under round-robin.
 *
 * @param quick               a smoke check of the harness (numbers not meaningful)
 * @param instances           simulated vLLM instances behind the gateway
 * @param sessions            Claude Code sessions replayed
 * @param turns               requests per session; turn k is turn k−1 plus a reply and a tool result
 * @param concurrency         sessions in flight at once (one client each, turns back to back)
 * @param toolResultChars     characters of each turn's tool result (≈ 4 per token)
 * @param prefillMicrosPerToken modelled prefill per uncached prompt token
 * @param decodeMicrosPerToken  modelled decode per output token
 * @param shortReplyTokens    output tokens of a reply (a short text and a tool call) in even-numbered sessions
 * @param longReplyTokens     the same in odd-numbered sessions
 * @param thinkMaxMillis      the longest pause between an answer and the session's next turn (the tool running)
 * @param maxNumSeqs          requests running at once per instance (vLLM's flag); more wait in its queue
 * @param kvFraction          each instance's KV capacity as a fraction of the live sessions' prompts (see
 *                            {@link FleetBench})
 * @param policies            the gateway routing policies compared, Tolk's default last
 */
record FleetSettings(boolean quick, int instances, int sessions, int turns, int concurrency, int toolResultChars,
                     long prefillMicrosPerToken, long decodeMicrosPerToken, int shortReplyTokens,
                     int longReplyTokens, int thinkMaxMillis, int maxNumSeqs,
                     double kvFraction, List<String> policies) {
    static final long FULL_PREFILL_US = 40;
    static final long FULL_DECODE_US = 8_000;
    static final String DEFAULT_POLICY = "bounded-affinity";
    static final List<String> POLICIES = List.of("round-robin", "least-loaded", "affinity", DEFAULT_POLICY);

    int requests() {
        return sessions * turns;
    }

    /** The pause before turn {@code turn} of {@code session}: 0 before the first, else fixed in [0, thinkMaxMillis). */
    long thinkMillis(int session, int turn) {
        if (turn <= 1 || thinkMaxMillis <= 0) {
            return 0;
        }
        long h = (session * 0x9E3779B97F4A7C15L) ^ (turn * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return Math.floorMod(h, thinkMaxMillis);
    }

    static FleetSettings fullRun() {
        return new FleetSettings(false, 4, 32, 10, 8, 4000, FULL_PREFILL_US, FULL_DECODE_US, 40, 120, 500, 3, 0.5,
                POLICIES);
    }

    /** Well under a minute: a few short sessions, same shape. */
    static FleetSettings quickRun() {
        return new FleetSettings(true, 4, 6, 2, 3, 1000, 2, 200, 10, 30, 20, 3, 0.5, POLICIES);
    }
}
