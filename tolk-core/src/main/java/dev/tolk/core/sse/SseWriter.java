package dev.tolk.core.sse;

import com.fasterxml.jackson.core.JsonGenerator;
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
            writeUsage(usage, true);
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
        delta(index, "text_delta", "text", text);
    }

    @Override
    public void thinkingDelta(int index, String thinking) {
        delta(index, "thinking_delta", "thinking", thinking);
    }

    @Override
    public void signatureDelta(int index, String signature) {
        delta(index, "signature_delta", "signature", signature);
    }

    @Override
    public void inputJsonDelta(int index, String partialJson) {
        delta(index, "input_json_delta", "partial_json", partialJson);
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
            writeUsage(usage, true);
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

    private void delta(int index, String deltaType, String field, String value) {
        try {
            begin("content_block_delta");
            g.writeStringField("type", "content_block_delta");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("delta");
            g.writeStringField("type", deltaType);
            g.writeStringField(field, value);
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void blockStart(int index) throws IOException {
        begin("content_block_start");
        g.writeStringField("type", "content_block_start");
        g.writeNumberField("index", index);
        g.writeObjectFieldStart("content_block");
    }

    private void writeUsage(Usage u, boolean full) throws IOException {
        g.writeStartObject();
        g.writeNumberField("input_tokens", u.inputTokens());
        if (full) {
            g.writeNumberField("cache_creation_input_tokens", u.cacheCreationInputTokens());
            g.writeNumberField("cache_read_input_tokens", u.cacheReadInputTokens());
        }
        g.writeNumberField("output_tokens", u.outputTokens());
        g.writeEndObject();
    }

    private void begin(String event) throws IOException {
        if (g == null) {
            g = Json.FACTORY.createGenerator(out);
            g.setRootValueSeparator(null);
        }
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
