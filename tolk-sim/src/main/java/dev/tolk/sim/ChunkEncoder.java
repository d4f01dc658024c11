package dev.tolk.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes vLLM's streaming chunks byte for byte (protocol.md §B.4): {@code data: <json>\n\n}, fields in vLLM's
 * order, {@code logprobs:null} and {@code finish_reason:null} present on ordinary chunks (they are explicitly set
 * to None), {@code stop_reason} only on the finish chunk, the usage chunk with {@code choices: []}, then
 * {@code data: [DONE]}. Frames accumulate in a buffer that {@link #drain} hands out.
 */
final class ChunkEncoder {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final String id;
    private final long created;
    private final String model;
    private final String reasoningField;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
    private final JsonGenerator g;

    ChunkEncoder(String id, long created, String model, String reasoningField) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.reasoningField = reasoningField;
        try {
            g = FACTORY.createGenerator(buf);
            g.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void role() {
        frame(() -> {
            g.writeStringField("role", "assistant");
            g.writeStringField("content", "");
        }, null, null, false);
    }

    void content(String text) {
        frame(() -> g.writeStringField("content", text), null, null, false);
    }

    void reasoning(String text) {
        frame(() -> g.writeStringField(reasoningField, text), null, null, false);
    }

    /** A tool-call fragment; null fields are left out (vLLM dumps the function delta with exclude_none). */
    void toolCall(int index, String callId, String name, String arguments) {
        frame(() -> writeToolCall(index, callId, name, arguments), null, null, false);
    }

    /** The finish chunk; {@code lastArguments} (when not null) rides in it as vLLM's remainder diff does. */
    void finish(String finishReason, Object stopReason, int toolIndex, String lastArguments) {
        frame(() -> {
            if (lastArguments != null) {
                writeToolCall(toolIndex, null, null, lastArguments);
            }
        }, finishReason, stopReason, true);
    }

    void usage(int prompt, int completion, Integer cached) {
        try {
            begin();
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", prompt);
            g.writeNumberField("total_tokens", prompt + completion);
            g.writeNumberField("completion_tokens", completion);
            if (cached != null) {
                g.writeObjectFieldStart("prompt_tokens_details");
                g.writeNumberField("cached_tokens", cached);
                g.writeEndObject();
            }
            g.writeEndObject();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code data: {"error":{…}}} — vLLM's mid-stream error, always followed by [DONE]. */
    void error(byte[] errorBody) {
        raw("data: ");
        buf.writeBytes(errorBody);
        raw("\n\n");
    }

    void done() {
        raw("data: [DONE]\n\n");
    }

    void raw(String s) {
        flush();
        buf.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    byte[] drain() {
        flush();
        byte[] b = buf.toByteArray();
        buf.reset();
        return b;
    }

    int size() {
        flush();
        return buf.size();
    }

    private interface Body {
        void write() throws IOException;
    }

    private void frame(Body delta, String finishReason, Object stopReason, boolean isFinish) {
        try {
            begin();
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            delta.write();
            g.writeEndObject();
            g.writeNullField("logprobs");
            if (finishReason == null) {
                g.writeNullField("finish_reason");
            } else {
                g.writeStringField("finish_reason", finishReason);
            }
            if (isFinish) {
                g.writeFieldName("stop_reason");
                if (stopReason instanceof Integer i) {
                    g.writeNumber(i);
                } else if (stopReason instanceof String s) {
                    g.writeString(s);
                } else {
                    g.writeNull();
                }
            }
            g.writeEndObject();
            g.writeEndArray();
            end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeToolCall(int index, String callId, String name, String arguments) throws IOException {
        g.writeArrayFieldStart("tool_calls");
        g.writeStartObject();
        if (callId != null) {
            g.writeStringField("id", callId);
            g.writeStringField("type", "function");
        }
        g.writeNumberField("index", index);
        g.writeObjectFieldStart("function");
        if (name != null) {
            g.writeStringField("name", name);
        }
        if (arguments != null) {
            g.writeStringField("arguments", arguments);
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
    }

    private void begin() throws IOException {
        g.writeRaw("data: ");
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "chat.completion.chunk");
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }

    private void end() throws IOException {
        g.writeEndObject();
        g.writeRaw("\n\n");
    }

    private void flush() {
        try {
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
