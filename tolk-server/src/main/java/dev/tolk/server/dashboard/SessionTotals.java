package dev.tolk.server.dashboard;

import java.util.List;

/**
 * One Claude Code session (its {@code x-claude-code-session-id}): its turns (Messages requests), tokens as in
 * {@link KeyTotals}, the median time to first token of its recent turns ({@code ttftP50Millis}, -1 when no turn sent
 * a token), when it was first and last seen, the key it came with and the models it asked for and ran on.
 */
public record SessionTotals(String session, String key, long turns, long errors, long inputTokens, long cachedTokens,
                            long outputTokens, long ttftP50Millis, long firstSeenEpochMillis,
                            long lastSeenEpochMillis, List<String> clientModels, List<String> upstreamModels) {

    /** The share of prompt tokens read from the prefix cache, 0 to 1 (0 with no prompt tokens). */
    public double cacheShare() {
        long prompt = inputTokens + cachedTokens;
        return prompt == 0 ? 0 : (double) cachedTokens / prompt;
    }
}
