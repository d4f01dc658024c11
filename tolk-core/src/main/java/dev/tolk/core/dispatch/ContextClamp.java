package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.translate.error.ContextOverflow;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.request.TranslatedRequest;
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

    /**
     * What to do about an upstream error that may be a context overflow: null when it is not one that names the
     * prompt size (the ordinary error mapping applies), "prompt is too long" when the prompt alone fills the window,
     * else one retry with the exact room. The prompt size it names is learned either way.
     */
    public Decision afterOverflow(Attempt sent, int status, byte[] body, OptionalInt window) {
        ContextOverflow overflow = ErrorMapping.contextOverflow(status, body);
        if (overflow == null || overflow.promptTokens().isEmpty()) {
            return null;
        }
        TranslatedRequest tr = sent.request();
        long p = overflow.promptTokens().getAsLong();
        estimator.observe(tr.facts().upstreamModel(), tr.upstreamBody().length, p);
        long limit = overflow.maxModelLen().isPresent() ? overflow.maxModelLen().getAsLong() : window.orElse(0);
        if (limit > 0 && p >= limit) {
            return new Decision.Fail(AnthropicError.promptTooLong(p, limit), null);
        }
        if (!sent.retriedFor(RetryReason.CONTEXT_WINDOW) && limit > 0) {
            int wanted = tr.facts().maxTokens() == 0 ? 1 : tr.facts().maxTokens();
            return new Decision.Retry(sent.retry(tr.withMaxTokens((int) Math.min(wanted, limit - p)),
                    RetryReason.CONTEXT_WINDOW));
        }
        return null;
    }
}
