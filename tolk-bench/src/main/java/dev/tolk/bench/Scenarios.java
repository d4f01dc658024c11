package dev.tolk.bench;

/** The simulator scenarios the benchmark uses (format: tolk-sim/README.md). */
final class Scenarios {
    private Scenarios() {}

    /** A text reply of exactly `chunks` content deltas, `intervalMillis` apart. */
    static String textStream(int chunks, int intervalMillis) {
        return """
                {"chunks": %d, "chunkIntervalMs": %d}
                """.formatted(chunks, intervalMillis);
    }
}
