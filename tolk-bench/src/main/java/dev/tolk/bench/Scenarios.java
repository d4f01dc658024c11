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

    /**
     * A Claude Code-like answer to every request: a sentence and a {@code Read} tool call, counted as
     * {@code completionTokens} output tokens by the cost model.
     */
    static String toolCallReply(int completionTokens) {
        return """
                {"rules":[{"reply":{"text":"I'll read the next file.","toolCalls":[{"name":"Read",\
                "arguments":{"file_path":"/home/dev/project/src/Next.java"}}],"completionTokens":%d}}]}
                """.formatted(completionTokens);
    }
}
