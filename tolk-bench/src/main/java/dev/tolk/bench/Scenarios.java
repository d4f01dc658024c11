package dev.tolk.bench;

/** The simulator scenarios the benchmark loads (format: tolk-sim's Scenario; one rule without `match` answers all). */
final class Scenarios {
    private Scenarios() {}

    /** A text reply of exactly `chunks` content deltas of "word " each, `intervalMillis` apart. */
    static String textStream(int chunks, int intervalMillis) {
        return """
                {"rules":[{"reply":{"text":"%s","chunks":%d,"chunkDelayMs":%d}}]}
                """.formatted("word ".repeat(chunks), chunks, intervalMillis);
    }
}
