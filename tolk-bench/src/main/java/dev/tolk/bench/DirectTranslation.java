package dev.tolk.bench;

import java.io.IOException;

/**
 * The OpenAI request the direct client sends for a given Anthropic request: the gateway's own request
 * translation, run once in the harness, so both sides ask the upstream for the same thing.
 */
final class DirectTranslation {
    private DirectTranslation() {}

    static byte[] toOpenAi(byte[] anthropicJson, String upstreamModel) throws IOException {
        throw new IOException("tolk-core's RequestTranslator is not merged yet");
    }
}
