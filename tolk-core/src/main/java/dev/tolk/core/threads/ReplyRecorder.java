package dev.tolk.core.threads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.json.Json;
import dev.tolk.core.translate.response.MessageBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Folds a threaded stream's events into the reply it will store, as the non-streaming path folds them into its
 * answer ({@link MessageBuilder}). A reply counts only when it reaches {@code message_stop} without an error event;
 * then it is handed on at once.
 */
final class ReplyRecorder implements AnthropicEventSink {
    private final MessageBuilder message = new MessageBuilder();
    private final java.util.function.Consumer<ReplyRecorder> onComplete;
    private boolean failed;

    ReplyRecorder(java.util.function.Consumer<ReplyRecorder> onComplete) {
        this.onComplete = onComplete;
    }

    String id() {
        return message.id();
    }

    /** The reply's {@code content} array. */
    JsonNode content() {
        try {
            return Json.MAPPER.readTree(message.toJson()).get("content");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public void messageStart(String id, String model, Usage usage) { message.messageStart(id, model, usage); }
    @Override public void contentBlockStartText(int i) { message.contentBlockStartText(i); }
    @Override public void contentBlockStartThinking(int i) { message.contentBlockStartThinking(i); }
    @Override public void contentBlockStartToolUse(int i, String id, String name) { message.contentBlockStartToolUse(i, id, name); }
    @Override public void textDelta(int i, String text) { message.textDelta(i, text); }
    @Override public void thinkingDelta(int i, String thinking) { message.thinkingDelta(i, thinking); }
    @Override public void signatureDelta(int i, String signature) { message.signatureDelta(i, signature); }
    @Override public void inputJsonDelta(int i, String partialJson) { message.inputJsonDelta(i, partialJson); }
    @Override public void contentBlockStop(int i) { }
    @Override public void messageDelta(String stopReason, String stopSequence, Usage usage) { message.messageDelta(stopReason, stopSequence, usage); }

    @Override
    public void messageStop() {
        if (!failed) {
            onComplete.accept(this);
        }
    }

    @Override
    public void error(AnthropicError error) {
        failed = true;
    }

    @Override public void ping() { }
}
