package dev.tolk.bench;

import java.util.List;

/**
 * The workload and the simulated fleet of {@code tolk bench fleet}.
 *
 * <p>Times are scaled down from a real GPU so the whole run takes a few minutes on two cores; the ratios are what
 * matter. At the full run's {@value #FULL_PREFILL_US} µs per uncached prompt token, a 20,000-token prompt computed
 * from scratch costs 0.4 s of modelled prefill (a real 30B-class model on one GPU takes 1–2 s) and a cached one only
 * its new tail; decode at {@value #FULL_DECODE_US} µs per output token makes a 40-token tool call 0.2 s.
 *
 * @param quick               a smoke check of the harness (numbers not meaningful)
 * @param instances           simulated vLLM instances behind the gateway
 * @param sessions            Claude Code sessions replayed
 * @param turns               requests per session; turn k is turn k−1 plus a reply and a tool result
 * @param concurrency         sessions in flight at once (one client each, turns back to back)
 * @param toolResultChars     characters of each turn's tool result (≈ 4 per token)
 * @param prefillMicrosPerToken modelled prefill per uncached prompt token
 * @param decodeMicrosPerToken  modelled decode per output token
 * @param replyTokens         output tokens of every reply (a short text and a tool call)
 * @param maxNumSeqs          requests running at once per instance (vLLM's flag); more wait in its queue
 * @param kvFraction          each instance's KV capacity as a fraction of the live sessions' prompts (see
 *                            {@link FleetBench})
 * @param policies            the gateway routing policies compared, Tolk's default last
 */
record FleetSettings(boolean quick, int instances, int sessions, int turns, int concurrency, int toolResultChars,
                     long prefillMicrosPerToken, long decodeMicrosPerToken, int replyTokens, int maxNumSeqs,
                     double kvFraction, List<String> policies) {
    static final long FULL_PREFILL_US = 20;
    static final long FULL_DECODE_US = 5000;
    static final String DEFAULT_POLICY = "bounded-affinity";
    static final List<String> POLICIES = List.of("round-robin", "least-loaded", "affinity", DEFAULT_POLICY);

    int requests() {
        return sessions * turns;
    }

    static FleetSettings fullRun() {
        return new FleetSettings(false, 4, 32, 10, 8, 4000, FULL_PREFILL_US, FULL_DECODE_US, 40, 3, 0.5, POLICIES);
    }

    /** Well under a minute: a few short sessions, same shape. */
    static FleetSettings quickRun() {
        return new FleetSettings(true, 4, 6, 2, 3, 1000, 2, 200, 20, 3, 0.5, POLICIES);
    }
}
