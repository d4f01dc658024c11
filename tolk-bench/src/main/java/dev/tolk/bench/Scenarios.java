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
     * {@code longTokens} output tokens by the cost model in the odd-numbered sessions of the fleet bench (whose
     * prompts say {@code Session N:}) and {@code shortTokens} in the others, so replies are not all alike.
     */
    static String toolCallReply(int shortTokens, int longTokens) {
        String reply = """
                {"text":"I'll read the next file.","toolCalls":[{"name":"Read",\
                "arguments":{"file_path":"/home/dev/project/src/Next.java"}}],"completionTokens":%d}""";
        return """
                {"rules":[{"match":{"lastUserRegex":"Session \\\\d*[13579]:"},"reply":%s},{"reply":%s}]}
                """.formatted(reply.formatted(longTokens), reply.formatted(shortTokens));
    }
}
