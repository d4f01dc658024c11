package dev.tolk.core.translate.request;

/**
 * {@code max_tokens} → {@code max_tokens} (protocol.md §C.1, §C.8). The gateway clamps it to the model's window
 * later ({@link TranslatedRequest#withMaxTokens}). {@code max_tokens: 0} (Anthropic: "only warm the prompt
 * cache") is sent as 1, since vLLM needs at least one token; the response side then reports no content and
 * {@code stop_reason: max_tokens}.
 */
final class MaxTokensMapping {
    private MaxTokensMapping() {}

    static Integer toChat(Integer maxTokens) {
        if (maxTokens == null) {
            return null;
        }
        return Math.max(1, maxTokens);
    }
}
