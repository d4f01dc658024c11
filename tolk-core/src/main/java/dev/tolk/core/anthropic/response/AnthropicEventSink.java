package dev.tolk.core.anthropic.response;

import dev.tolk.core.anthropic.AnthropicError;

/**
 * Receives Anthropic stream events in wire order (protocol.md §A.6). The stream translator calls it; an SSE
 * writer, a non-streaming message builder, or a test recorder implements it. Indexes are content-block indexes
 * (0, 1, 2… in start order). Strings passed in are complete values, never partial UTF-8.
 */
public interface AnthropicEventSink {
    void messageStart(String id, String model, Usage usage);

    void contentBlockStartText(int index);

    void contentBlockStartThinking(int index);

    void contentBlockStartToolUse(int index, String id, String name);

    void textDelta(int index, String text);

    void thinkingDelta(int index, String thinking);

    /**
     * {@link #textDelta} whose text is {@code plain[off, off+len)}, bytes that are plain
     * ({@link dev.tolk.core.json.Json#isPlainStringChar}), so its bytes are its characters and its JSON string content. A sink that writes JSON copies them.
     */
    default void plainTextDelta(int index, byte[] plain, int off, int len) {
        textDelta(index, new String(plain, off, len, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** {@link #thinkingDelta} in plain bytes, as {@link #plainTextDelta}. */
    default void plainThinkingDelta(int index, byte[] plain, int off, int len) {
        thinkingDelta(index, new String(plain, off, len, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    void signatureDelta(int index, String signature);

    void inputJsonDelta(int index, String partialJson);

    void contentBlockStop(int index);

    void messageDelta(String stopReason, String stopSequence, Usage usage);

    void messageStop();

    /** A mid-stream error; nothing follows it. */
    void error(AnthropicError error);

    void ping();
}
