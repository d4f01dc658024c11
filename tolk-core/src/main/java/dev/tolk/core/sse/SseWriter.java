package dev.tolk.core.sse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes Anthropic SSE frames ({@code event: NAME\ndata: JSON\n\n}, protocol.md §A.6) into an {@link SseOutput}.
 * One JSON generator serves all the events written between two {@link #release()} calls, so the per-event cost is
 * the bytes written; {@link #release()} gives its buffers (≈ 12 KB) back to Jackson's pool, so a stream that waits
 * for its next token holds none. Not thread-safe.
 */
public final class SseWriter implements AnthropicEventSink {
    private final SseOutput out;
    private final String requestId;
    private JsonGenerator g;

    public SseWriter(SseOutput out, String requestId) {
        this.out = out;
        this.requestId = requestId;
    }

    /**
     * Flushes what the generator holds into the output and returns its buffers to the pool; the next event takes a
     * generator again. Call it after each batch of events (before the output is sent).
     */
    public void release() {
        JsonGenerator gen = g;
        if (gen != null) {
            g = null;
            try {
                gen.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void messageStart(String id, String model, Usage usage) {
        try {
            begin("message_start");
            g.writeStringField("type", "message_start");
            g.writeObjectFieldStart("message");
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeArrayFieldStart("content");
            g.writeEndArray();
            g.writeStringField("model", model);
            g.writeNullField("stop_reason");
            g.writeNullField("stop_sequence");
            g.writeFieldName("usage");
            writeUsage(usage);
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void contentBlockStartText(int index) {
        try {
            blockStart(index);
            g.writeStringField("type", "text");
            g.writeStringField("text", "");
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void contentBlockStartThinking(int index) {
        try {
            blockStart(index);
            g.writeStringField("type", "thinking");
            g.writeStringField("thinking", "");
            g.writeStringField("signature", "");
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void contentBlockStartToolUse(int index, String id, String name) {
        try {
            blockStart(index);
            g.writeStringField("type", "tool_use");
            g.writeStringField("id", id);
            g.writeStringField("name", name);
            g.writeObjectFieldStart("input");
            g.writeEndObject();
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void textDelta(int index, String text) {
        delta(index, TEXT, text);
    }

    @Override
    public void thinkingDelta(int index, String thinking) {
        delta(index, THINKING, thinking);
    }

    @Override
    public void plainTextDelta(int index, byte[] plain, int off, int len) {
        plainDelta(index, TEXT, plain, off, len);
    }

    @Override
    public void plainThinkingDelta(int index, byte[] plain, int off, int len) {
        plainDelta(index, THINKING, plain, off, len);
    }

    @Override
    public void signatureDelta(int index, String signature) {
        delta(index, SIGNATURE, signature);
    }

    @Override
    public void inputJsonDelta(int index, String partialJson) {
        delta(index, INPUT_JSON, partialJson);
    }

    @Override
    public void contentBlockStop(int index) {
        try {
            begin("content_block_stop");
            g.writeStringField("type", "content_block_stop");
            g.writeNumberField("index", index);
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void messageDelta(String stopReason, String stopSequence, Usage usage) {
        try {
            begin("message_delta");
            g.writeStringField("type", "message_delta");
            g.writeObjectFieldStart("delta");
            g.writeStringField("stop_reason", stopReason);
            g.writeStringField("stop_sequence", stopSequence);
            g.writeEndObject();
            g.writeFieldName("usage");
            writeUsage(usage);
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void messageStop() {
        try {
            begin("message_stop");
            g.writeStringField("type", "message_stop");
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void error(AnthropicError error) {
        flushGenerator();
        byte[] frame = error.toSseFrame(requestId);
        out.write(frame, 0, frame.length);
    }

    @Override
    public void ping() {
        flushGenerator();
        out.writeAscii("event: ping\ndata: {\"type\":\"ping\"}\n\n");
    }

    /** A delta whose value is plain bytes (see {@link AnthropicEventSink#plainTextDelta}): copied as they are. */
    private void plainDelta(int index, SerializedString typeAndField, byte[] plain, int off, int len) {
        deltaUpToValue(index, typeAndField);
        out.write(plain, off, len);
        deltaAfterValue();
    }

    /** {@code content_block_delta}; {@code typeAndField} is the delta's type and the name of its value field. */
    private void delta(int index, SerializedString typeAndField, String value) {
        // most deltas are plain: written as the bytes Jackson would write, without Jackson (nothing of an earlier
        // event is left in the generator: every event flushes it)
        int mark = out.size();
        deltaUpToValue(index, typeAndField);
        if (out.writePlainJsonStringContent(value)) {
            deltaAfterValue();
            return;
        }
        out.truncate(mark);
        try {
            generator();
            // the fixed parts of the frame are bytes made once; only the index and the value are written per event
            g.writeRaw(DELTA_HEAD);
            g.writeRaw(indexPart(index));
            g.writeRaw(typeAndField);
            g.writeString(value); // a root-level value for the generator: no context checks, no separator
            g.writeRaw(DELTA_TAIL);
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A delta's frame up to its value's opening quote. */
    private void deltaUpToValue(int index, SerializedString typeAndField) {
        writeRaw(DELTA_HEAD);
        writeRaw(indexPart(index));
        writeRaw(typeAndField);
        out.write('"');
    }

    /** A delta's frame from its value's closing quote on. */
    private void deltaAfterValue() {
        out.write('"');
        writeRaw(DELTA_TAIL);
    }

    private static SerializedString indexPart(int index) {
        return index < SMALL_INDEXES.length ? SMALL_INDEXES[index] : new SerializedString(Integer.toString(index));
    }

    private void writeRaw(SerializedString s) {
        byte[] b = s.asUnquotedUTF8(); // made once and kept by the SerializedString
        out.write(b, 0, b.length);
    }

    private static final SerializedString DELTA_HEAD =
            new SerializedString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":");
    private static final SerializedString DELTA_TAIL = new SerializedString("}}\n\n");
    private static final SerializedString[] SMALL_INDEXES = new SerializedString[64];
    private static final SerializedString TEXT = deltaPart("text_delta", "text");
    private static final SerializedString THINKING = deltaPart("thinking_delta", "thinking");
    private static final SerializedString SIGNATURE = deltaPart("signature_delta", "signature");
    private static final SerializedString INPUT_JSON = deltaPart("input_json_delta", "partial_json");

    static {
        for (int i = 0; i < SMALL_INDEXES.length; i++) {
            SMALL_INDEXES[i] = new SerializedString(Integer.toString(i));
        }
    }

    private static SerializedString deltaPart(String deltaType, String field) {
        return new SerializedString(",\"delta\":{\"type\":\"" + deltaType + "\",\"" + field + "\":");
    }

    private void blockStart(int index) throws IOException {
        begin("content_block_start");
        g.writeStringField("type", "content_block_start");
        g.writeNumberField("index", index);
        g.writeObjectFieldStart("content_block");
    }

    private void writeUsage(Usage u) throws IOException {
        g.writeStartObject();
        g.writeNumberField("input_tokens", u.inputTokens());
        g.writeNumberField("cache_creation_input_tokens", u.cacheCreationInputTokens());
        g.writeNumberField("cache_read_input_tokens", u.cacheReadInputTokens());
        g.writeNumberField("output_tokens", u.outputTokens());
        g.writeEndObject();
    }

    /** The generator of the events written since the last {@link #release()}, made on the first of them. */
    private void generator() throws IOException {
        if (g == null) {
            g = Json.FACTORY.createGenerator(out);
            g.setRootValueSeparator(null);
        }
    }

    private void begin(String event) throws IOException {
        generator();
        g.writeRaw("event: ");
        g.writeRaw(event);
        g.writeRaw("\ndata: ");
        g.writeStartObject();
    }

    private void end() throws IOException {
        g.writeEndObject();
        g.writeRaw("\n\n");
        g.flush();
    }

    private void flushGenerator() {
        if (g == null) {
            return;
        }
        try {
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
