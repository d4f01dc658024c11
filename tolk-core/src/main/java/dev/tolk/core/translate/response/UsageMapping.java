package dev.tolk.core.translate.response;

import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.openai.response.ChatChunk;

/**
 * vLLM {@code usage} → Anthropic {@code usage} (protocol.md §C.6): {@code input_tokens = prompt − cached},
 * {@code cache_read_input_tokens = prompt_tokens_details.cached_tokens}, {@code cache_creation_input_tokens = 0},
 * {@code output_tokens = completion_tokens} (reasoning included, as with Anthropic). Putting the whole prompt in
 * {@code input_tokens} as well would double-count: clients add the three input fields.
 */
public final class UsageMapping {
    private UsageMapping() {}

    public static Usage toAnthropic(ChatChunk.ChatUsage u) {
        if (u == null) {
            return Usage.ZERO;
        }
        long cached = Math.min(Math.max(0, u.cachedTokens()), u.promptTokens());
        return new Usage(u.promptTokens() - cached, u.completionTokens(), cached, 0);
    }
}
