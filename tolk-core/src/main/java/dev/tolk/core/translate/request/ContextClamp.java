package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.translate.error.ContextOverflow;
import dev.tolk.core.translate.error.ErrorMapping;
import java.util.OptionalInt;

/**
 * Fits {@code max_tokens} into the model's context window (protocol.md §C.8), for every shell.
 *
 * <p>Before sending: {@code max_tokens ≤ window − estimated prompt}, the estimate learned per model by
 * {@link PromptSizeEstimator}, so Claude Code's 32k–128k requests fit a 32k model without an extra round trip. If
 * the estimate was low, vLLM's context-overflow 400 names the exact prompt size P: when P alone fills the window
 * the client gets {@code prompt is too long: P tokens > L maximum} (Claude Code compacts on it), otherwise the
 * request is retried once with {@code max_tokens = L − P}.
 */
public final class ContextClamp {
    private final PromptSizeEstimator estimator;

    public ContextClamp(PromptSizeEstimator estimator) {
        this.estimator = estimator;
    }

    public PromptSizeEstimator estimator() {
        return estimator;
    }

    /** The request to send first. */
    public TranslatedRequest beforeSend(TranslatedRequest tr, OptionalInt window) {
        if (window.isEmpty()) {
            return tr;
        }
        long estimate = estimator.estimate(tr.facts().upstreamModel(), tr.upstreamBody().length);
        long room = window.getAsInt() - estimate;
        if (tr.maxTokens() > room) {
            return tr.withMaxTokens((int) Math.max(1, room));
        }
        return tr;
    }

    /** What to do about an upstream error response. */
    public sealed interface Decision {
        /** Send this corrected request once more. */
        record Retry(TranslatedRequest request) implements Decision {}

        /** Answer the client with this error. */
        record Fail(AnthropicError error) implements Decision {}
    }

    public Decision onUpstreamError(TranslatedRequest sent, int status, byte[] body, String retryAfter,
                                    OptionalInt window, boolean alreadyRetried) {
        ContextOverflow overflow = ErrorMapping.contextOverflow(status, body);
        if (overflow != null && overflow.promptTokens().isPresent()) {
            long p = overflow.promptTokens().getAsLong();
            estimator.observe(sent.facts().upstreamModel(), sent.upstreamBody().length, p);
            long limit = overflow.maxModelLen().isPresent() ? overflow.maxModelLen().getAsLong() : window.orElse(0);
            if (limit > 0 && p >= limit) {
                return new Decision.Fail(AnthropicError.promptTooLong(p, limit));
            }
            if (!alreadyRetried && limit > 0) {
                int wanted = sent.facts().maxTokens() == 0 ? 1 : sent.facts().maxTokens();
                return new Decision.Retry(sent.withMaxTokens((int) Math.min(wanted, limit - p)));
            }
        }
        return new Decision.Fail(ErrorMapping.fromUpstream(status, body, retryAfter));
    }

    /** Records the exact prompt size a successful answer reported. */
    public void observe(TranslatedRequest sent, long promptTokens) {
        estimator.observe(sent.facts().upstreamModel(), sent.upstreamBody().length, promptTokens);
    }
}
