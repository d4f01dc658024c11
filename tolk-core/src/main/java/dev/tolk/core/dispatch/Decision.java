package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicError;

/**
 * What a transport does after an upstream attempt did not succeed: send the next attempt, or answer the client with
 * an error. The transport's loop is always "send the attempt, ask the policy, retry or fail"; a fleet's "retry on the
 * next upstream" is a {@link Retry} whose next attempt names another upstream.
 */
public sealed interface Decision {

    /** Send {@code next} ({@link Attempt#reason()} says why). */
    record Retry(Attempt next) implements Decision {}

    /**
     * Answer the client with {@code error}. {@code upstreamFault} names the upstream's failure for the gateway's
     * {@code tolk_upstream_errors} metric ({@code unreachable}, {@code http_503}, …), or is null when the upstream
     * did its job (the client's request was refused for a reason of its own).
     */
    record Fail(AnthropicError error, String upstreamFault) implements Decision {}
}
