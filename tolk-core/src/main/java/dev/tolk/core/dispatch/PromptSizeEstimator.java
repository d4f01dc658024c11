package dev.tolk.core.dispatch;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Estimates prompt tokens from the upstream body size, learning each model's tokens-per-byte ratio from the
 * exact counts vLLM reports (usage and context-overflow errors). Used to clamp {@code max_tokens} before sending,
 * so the common case needs no extra round trip; when the estimate is too low vLLM's overflow error tells the exact
 * count and the request is retried once (see README "Context window").
 */
public final class PromptSizeEstimator {
    /** Before any observation: about 4 bytes of request JSON per token. */
    static final double INITIAL_TOKENS_PER_BYTE = 0.25;

    private final ConcurrentMap<String, Double> ratio = new ConcurrentHashMap<>();

    public long estimate(String model, int bodyBytes) {
        return (long) Math.ceil(bodyBytes * ratio.getOrDefault(model, INITIAL_TOKENS_PER_BYTE));
    }

    /** Records an exact prompt size seen for a body of {@code bodyBytes}. */
    public void observe(String model, int bodyBytes, long promptTokens) {
        if (bodyBytes <= 0 || promptTokens <= 0) {
            return;
        }
        double r = (double) promptTokens / bodyBytes;
        // a 3% margin above the largest recent ratio keeps clamps safely inside the window
        ratio.merge(model, r * 1.03, (old, fresh) -> Math.max(fresh, old * 0.9 + fresh * 0.1));
    }
}
