package dev.tolk.server.http;

/**
 * A stream in flight as the dashboard shows it: {@code outputChunks} counts the content deltas the upstream has sent
 * so far (vLLM sends one token per chunk, so about the tokens generated; the exact count comes with the usage at the
 * end).
 */
public record RunningStream(String requestId, String session, String key, String clientModel, String upstreamModel,
                            String upstream, long startedAtEpochMillis, long elapsedMillis, boolean contentStarted,
                            long outputChunks) {}
