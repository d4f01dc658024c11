package dev.tolk.bench;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;

/**
 * The OpenAI request the direct client sends for a given Anthropic request: the gateway's own request
 * translation, run once in the harness, so both sides ask the upstream for the same thing.
 */
final class DirectTranslation {
    private DirectTranslation() {}

    static byte[] toOpenAi(byte[] anthropicJson, String upstreamModel) throws AnthropicException {
        return new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed(upstreamModel))
                .translate(anthropicJson).upstreamBody();
    }
}
