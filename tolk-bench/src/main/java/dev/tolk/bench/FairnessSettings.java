package dev.tolk.bench;

/**
 * The workload of {@code tolk bench fleet --fairness}: one client key running {@code bigSessions} Claude Code sessions
 * at once beside {@code smallKeys} keys with one session each, over {@code instances} simulated vLLM instances of
 * {@code maxNumSeqs} sequences each (the gateway told their capacity), so the fleet cannot serve everyone at once.
 * The big key's sessions keep going until every small session has sent its {@code smallTurns} turns. Timing as in
 * {@link FleetSettings} (prefill per uncached token, decode per output token, a pause between turns).
 */
record FairnessSettings(boolean quick, int instances, int maxNumSeqs, int bigSessions, int smallKeys, int smallTurns,
                        int bigTurns, int toolResultChars, long prefillMicrosPerToken, long decodeMicrosPerToken,
                        int shortReplyTokens, int longReplyTokens, int thinkMaxMillis) {

    static FairnessSettings fullRun() {
        return new FairnessSettings(false, 2, 3, 20, 4, 8, 10, 4000, FleetSettings.FULL_PREFILL_US,
                FleetSettings.FULL_DECODE_US, 40, 120, 500);
    }

    static FairnessSettings quickRun() {
        return new FairnessSettings(true, 2, 2, 6, 2, 2, 2, 1000, 2, 200, 10, 30, 20);
    }

    /** Sequences the whole fleet runs at once. */
    int capacity() {
        return instances * maxNumSeqs;
    }
}
