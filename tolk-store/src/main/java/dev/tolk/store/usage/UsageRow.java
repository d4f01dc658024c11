package dev.tolk.store.usage;

/**
 * One row of the usage ledger: a {@code /v1/messages} request as it ended. {@code ttftMillis} is negative when no token
 * was sent (stored as null); {@code sessionId}, the models, {@code upstream} and {@code stopReason} may be null.
 */
public record UsageRow(String requestId, long startedAtEpochMillis, String key, String sessionId, String clientModel,
                       String upstreamModel, String upstream, int status, long inputTokens, long cachedTokens,
                       long outputTokens, double ttftMillis, double durationMillis, String stopReason) {
}
