package dev.tolk.core.dispatch;

import dev.tolk.core.translate.request.TranslatedRequest;

/**
 * One send of a request upstream: its number (1 for the first), the request as sent, why it is a retry (null for the
 * first), the attempt it follows, the request's {@link Route} and which hop of it this attempt goes to. The chain
 * answers "was this already retried for that reason?", which bounds the ladder (one context-window retry per
 * request) and failover (at most the fleet's number of failovers).
 */
public record Attempt(int number, TranslatedRequest request, RetryReason reason, Attempt previous, Route route,
                      int hop) {

    static Attempt first(TranslatedRequest request) {
        return new Attempt(1, request, null, null, Route.SINGLE, 0);
    }

    static Attempt first(TranslatedRequest request, Route route) {
        return new Attempt(1, request, null, null, route, 0);
    }

    /** The attempt after this one: {@code request} sent again, to the same upstream, because of {@code why}. */
    Attempt retry(TranslatedRequest request, RetryReason why) {
        return new Attempt(number + 1, request, why, this, route, hop);
    }

    /** The same request sent to the route's next upstream. */
    Attempt failover() {
        return new Attempt(number + 1, request, RetryReason.FAILOVER, this, route, hop + 1);
    }

    /** The fleet index of the upstream this attempt goes to (0 with one upstream). */
    public int upstream() {
        return route.at(hop);
    }

    /** Whether this attempt or one before it was a retry for {@code why}. */
    public boolean retriedFor(RetryReason why) {
        for (Attempt a = this; a != null; a = a.previous) {
            if (a.reason == why) {
                return true;
            }
        }
        return false;
    }

    /** How many times the request has failed over so far. */
    public int failovers() {
        int n = 0;
        for (Attempt a = this; a != null; a = a.previous) {
            if (a.reason == RetryReason.FAILOVER) {
                n++;
            }
        }
        return n;
    }

    public String upstreamModel() {
        return request.facts().upstreamModel();
    }

    /** Bytes of the upstream body this attempt sends (what the prompt-size estimator learns from). */
    public int bodyBytes() {
        return request.upstreamBody().length;
    }
}
