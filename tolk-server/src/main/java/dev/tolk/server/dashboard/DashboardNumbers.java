package dev.tolk.server.dashboard;

import dev.tolk.server.http.FinishedRequest;
import dev.tolk.server.http.RequestListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dashboard counts itself, fed by every ended request (O(1) under one lock): per upstream and for the whole
 * gateway a {@link RollingHour} of Messages requests, totals since start, and the latest errors (any route, status 400
 * or more, or a stream that ended with an {@code error} event).
 */
public final class DashboardNumbers implements RequestListener {
    /** Upstream names the rolling windows are kept for; others (not configured) are ignored. */
    static final int MAX_UPSTREAMS = 256;

    private final Map<String, RollingHour> upstreams = new HashMap<>();
    private final RollingHour all = new RollingHour();
    private final RecentErrors errors = new RecentErrors();
    private long requests;
    private long failed;
    private long inputTokens;
    private long cachedTokens;
    private long outputTokens;

    record Totals(long requests, long errors, long inputTokens, long cachedTokens, long outputTokens) {}

    @Override
    public void finished(FinishedRequest r) {
        boolean error = r.status() >= 400 || (r.stopReason() != null && r.stopReason().startsWith("error:"));
        long endMillis = r.startedAtEpochMillis() + r.durationNanos() / 1_000_000;
        synchronized (this) {
            if (r.messages()) {
                requests++;
                failed += error ? 1 : 0;
                inputTokens += r.inputTokens();
                cachedTokens += r.cachedTokens();
                outputTokens += r.outputTokens();
                long prompt = r.inputTokens() + r.cachedTokens();
                all.add(endMillis, error, prompt, r.cachedTokens(), r.ttftNanos());
                if (r.upstream() != null) {
                    RollingHour w = upstreams.get(r.upstream());
                    if (w == null && upstreams.size() < MAX_UPSTREAMS) {
                        w = new RollingHour();
                        upstreams.put(r.upstream(), w);
                    }
                    if (w != null) {
                        w.add(endMillis, error, prompt, r.cachedTokens(), r.ttftNanos());
                    }
                }
            }
            if (error) {
                errors.add(new RecentErrors.Entry(r.requestId(), endMillis, r.route(), r.status(), errorType(r),
                        r.errorMessage() != null ? r.errorMessage() : r.note(), r.key(), r.sessionId(), r.upstream(),
                        r.clientModel()));
            }
        }
    }

    /** The error's Anthropic type: from a stream's or an answer's {@code error:TYPE} stop reason, else by status. */
    static String errorType(FinishedRequest r) {
        if (r.stopReason() != null && r.stopReason().startsWith("error:")) {
            return r.stopReason().substring("error:".length());
        }
        if (r.status() == 499) {
            return "client_cancelled";
        }
        for (dev.tolk.core.anthropic.ErrorType t : dev.tolk.core.anthropic.ErrorType.values()) {
            if (t.status() == r.status()) {
                return t.wireName();
            }
        }
        return r.status() >= 500 ? "api_error" : "invalid_request_error";
    }

    synchronized RollingHour.Summary upstream(String name, long nowMillis) {
        RollingHour w = upstreams.get(name);
        return w == null ? new RollingHour().summary(nowMillis) : w.summary(nowMillis);
    }

    synchronized RollingHour.Summary all(long nowMillis) {
        return all.summary(nowMillis);
    }

    synchronized Totals totals() {
        return new Totals(requests, failed, inputTokens, cachedTokens, outputTokens);
    }

    synchronized List<RecentErrors.Entry> latestErrors() {
        return errors.newestFirst();
    }
}
