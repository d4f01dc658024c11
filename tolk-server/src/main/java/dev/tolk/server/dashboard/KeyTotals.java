package dev.tolk.server.dashboard;

/**
 * One client key's Messages requests: {@code inputTokens} is the uncached part of the prompts, {@code cachedTokens}
 * the part read from the prefix cache (their sum is every prompt token); {@code errors} are answers of 400 or more.
 */
public record KeyTotals(String key, long requests, long errors, long inputTokens, long cachedTokens,
                        long outputTokens, long lastSeenEpochMillis) {}
