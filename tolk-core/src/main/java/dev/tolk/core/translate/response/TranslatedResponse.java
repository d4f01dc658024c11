package dev.tolk.core.translate.response;

import dev.tolk.core.anthropic.response.Usage;

/** A non-streaming Anthropic {@code Message} as JSON, with the facts logs and metrics need. */
public record TranslatedResponse(byte[] body, String stopReason, Usage usage) {
    public long inputTokens() {
        return usage.inputTokens();
    }

    public long outputTokens() {
        return usage.outputTokens();
    }

    public long cacheReadTokens() {
        return usage.cacheReadInputTokens();
    }
}
