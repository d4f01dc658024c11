package dev.tolk.core.translate.response;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.stream.StreamTranslator;
import java.io.IOException;

/**
 * A vLLM non-streaming {@code chat.completion} → an Anthropic {@code Message} (protocol.md §C.3). The completion is
 * fed to the {@link StreamTranslator} as one chunk and the events are folded back into a message, so streaming
 * and non-streaming answers follow one set of rules (thinking first, no whitespace-only text, repaired tool input,
 * stop reason, usage).
 */
public final class ResponseTranslator {
    private ResponseTranslator() {}

    public static TranslatedResponse translate(byte[] chatCompletionJson, RequestFacts facts, String messageId)
            throws AnthropicException {
        ChatChunk completion;
        try {
            completion = ChatChunkParser.parse(chatCompletionJson, 0, chatCompletionJson.length);
        } catch (IOException | RuntimeException e) {
            throw new AnthropicException(AnthropicError.api("upstream returned a response Tolk cannot read: "
                    + e.getMessage()));
        }
        if (completion.error() != null) {
            throw new AnthropicException(ErrorMapping.fromStreamError(completion.error()));
        }
        if (!completion.hasChoice()) {
            throw new AnthropicException(AnthropicError.api("upstream response has no choices"));
        }
        MessageBuilder builder = new MessageBuilder();
        StreamTranslator t = new StreamTranslator(facts, messageId, builder);
        t.start(0);
        t.onChunk(completion);
        t.onDone();
        if (builder.error() != null) {
            throw new AnthropicException(builder.error());
        }
        return new TranslatedResponse(builder.toJson(), builder.stopReason(), builder.usage());
    }
}
