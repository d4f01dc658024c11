package dev.tolk.core.translate.stream;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.anthropic.response.Usage;

/** Every event to {@code first} (the client's output), then to {@code second} (a recorder). */
final class TeeSink implements AnthropicEventSink {
    private final AnthropicEventSink first;
    private final AnthropicEventSink second;

    TeeSink(AnthropicEventSink first, AnthropicEventSink second) {
        this.first = first;
        this.second = second;
    }

    @Override public void messageStart(String id, String model, Usage u) { first.messageStart(id, model, u); second.messageStart(id, model, u); }
    @Override public void contentBlockStartText(int i) { first.contentBlockStartText(i); second.contentBlockStartText(i); }
    @Override public void contentBlockStartThinking(int i) { first.contentBlockStartThinking(i); second.contentBlockStartThinking(i); }
    @Override public void contentBlockStartToolUse(int i, String id, String name) { first.contentBlockStartToolUse(i, id, name); second.contentBlockStartToolUse(i, id, name); }
    @Override public void textDelta(int i, String t) { first.textDelta(i, t); second.textDelta(i, t); }
    @Override public void thinkingDelta(int i, String t) { first.thinkingDelta(i, t); second.thinkingDelta(i, t); }
    @Override public void plainTextDelta(int i, byte[] b, int off, int len) { first.plainTextDelta(i, b, off, len); second.plainTextDelta(i, b, off, len); }
    @Override public void plainThinkingDelta(int i, byte[] b, int off, int len) { first.plainThinkingDelta(i, b, off, len); second.plainThinkingDelta(i, b, off, len); }
    @Override public void signatureDelta(int i, String s) { first.signatureDelta(i, s); second.signatureDelta(i, s); }
    @Override public void inputJsonDelta(int i, String j) { first.inputJsonDelta(i, j); second.inputJsonDelta(i, j); }
    @Override public void contentBlockStop(int i) { first.contentBlockStop(i); second.contentBlockStop(i); }
    @Override public void messageDelta(String r, String s, Usage u) { first.messageDelta(r, s, u); second.messageDelta(r, s, u); }
    @Override public void messageStop() { first.messageStop(); second.messageStop(); }
    @Override public void error(AnthropicError e) { first.error(e); second.error(e); }
    @Override public void ping() { first.ping(); }
}
