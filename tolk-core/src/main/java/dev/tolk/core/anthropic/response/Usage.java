package dev.tolk.core.anthropic.response;

/**
 * Anthropic {@code usage} (protocol.md §A.5, §C.6). {@code inputTokens} excludes cached tokens; the total input
 * is {@code inputTokens + cacheCreationInputTokens + cacheReadInputTokens}.
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0);
}
