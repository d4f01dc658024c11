package dev.tolk.server.http;

/**
 * One request as it ended, handed to every {@link RequestListener} (usage ledger, per-session numbers, dashboard):
 * the facts of the access line, with no prompt text and no credential. {@code key} is the client key's name ("-" on a
 * gateway without keys); {@code upstream} is the name of the upstream that answered last (null if none was called);
 * {@code ttftNanos} is -1 when no token was sent; {@code errorMessage} is the message of the Anthropic error the
 * client got (an error answer, or a stream's {@code error} event), else null.
 */
public record FinishedRequest(String requestId, long startedAtEpochMillis, String route, String key, String sessionId,
                              String clientModel, String upstreamModel, String upstream, int status,
                              long inputTokens, long cachedTokens, long outputTokens, long ttftNanos,
                              long durationNanos, String stopReason, String note, String errorMessage) {

    /** Without an error message. */
    public FinishedRequest(String requestId, long startedAtEpochMillis, String route, String key, String sessionId,
                           String clientModel, String upstreamModel, String upstream, int status, long inputTokens,
                           long cachedTokens, long outputTokens, long ttftNanos, long durationNanos, String stopReason,
                           String note) {
        this(requestId, startedAtEpochMillis, route, key, sessionId, clientModel, upstreamModel, upstream, status,
                inputTokens, cachedTokens, outputTokens, ttftNanos, durationNanos, stopReason, note, null);
    }

    /** Whether this was a Messages call (the requests the ledger and the session numbers count). */
    public boolean messages() {
        return "/v1/messages".equals(route);
    }
}
