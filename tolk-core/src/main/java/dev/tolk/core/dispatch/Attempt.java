package dev.tolk.core.dispatch;

import dev.tolk.core.translate.request.TranslatedRequest;

/**
 * One send of a request upstream: its number (1 for the first), the request as sent, why it is a retry (null for the
 * first) and the attempt it follows. The chain answers "was this already retried for that reason?", which bounds the
 * ladder (one context-window retry per request). A fleet adds the upstream an attempt goes to here.
 */
public record Attempt(int number, TranslatedRequest request, RetryReason reason, Attempt previous) {

    static Attempt first(TranslatedRequest request) {
        return new Attempt(1, request, null, null);
    }

    /** The attempt after this one: {@code request} sent again because of {@code why}. */
    Attempt retry(TranslatedRequest request, RetryReason why) {
        return new Attempt(number + 1, request, why, this);
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

    public String upstreamModel() {
        return request.facts().upstreamModel();
    }

    /** Bytes of the upstream body this attempt sends (what the prompt-size estimator learns from). */
    public int bodyBytes() {
        return request.upstreamBody().length;
    }
}
