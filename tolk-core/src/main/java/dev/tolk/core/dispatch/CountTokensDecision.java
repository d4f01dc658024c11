package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.TokenizeMapping;
import dev.tolk.core.translate.request.TranslatedTokenize;
import java.io.IOException;

/**
 * {@code POST /v1/messages/count_tokens} after vLLM's {@code POST /tokenize} answered: its count is exact; an
 * upstream without {@code /tokenize} (404/405) gets an estimate of one token per 4 bytes of the converted prompt,
 * marked {@code tolk-token-count: estimate}; any other status is the mapped upstream error.
 */
public sealed interface CountTokensDecision {
    /** The response header that says whether the count is {@code exact} or an {@code estimate}. */
    String HEADER = "tolk-token-count";

    /** Answer {@code {"input_tokens":N}} with {@link #HEADER}. */
    record Count(long inputTokens, boolean exact) implements CountTokensDecision {
        public byte[] body() {
            return TokenizeMapping.countTokensResponse(inputTokens);
        }

        public String headerValue() {
            return exact ? "exact" : "estimate";
        }
    }

    /** Answer with this error. */
    record Fail(AnthropicError error) implements CountTokensDecision {}

    static CountTokensDecision afterTokenize(TranslatedTokenize sent, int status, byte[] body) {
        if (status == 404 || status == 405) {
            return new Count(Math.max(1, sent.body().length / 4), false);
        }
        if (status != 200) {
            return new Fail(ErrorMapping.fromUpstream(status, body, null));
        }
        try {
            return new Count(TokenizeMapping.parseCount(body), true);
        } catch (IOException | RuntimeException e) {
            return new Fail(AnthropicError.api("the upstream's /tokenize answer could not be read: " + e.getMessage()));
        }
    }
}
