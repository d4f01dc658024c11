package dev.tolk.core.translate.response;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds stream events into one Anthropic {@code Message} JSON (protocol.md §A.5), so the non-streaming path uses
 * exactly the streaming rules; a threaded stream also feeds one to record its reply
 * ({@link dev.tolk.core.threads.ThreadTurn}).
 */
public final class MessageBuilder implements AnthropicEventSink {
    private record Block(String type, StringBuilder text, StringBuilder extra, String id, String name) {}

    private final List<Block> blocks = new ArrayList<>();
    private String id;
    private String model;
    private String stopReason;
    private String stopSequence;
    private Usage usage = Usage.ZERO;
    private AnthropicError error;

    @Override
    public void messageStart(String id, String model, Usage usage) {
        this.id = id;
        this.model = model;
        this.usage = usage;
    }

    @Override
    public void contentBlockStartText(int index) {
        blocks.add(new Block("text", new StringBuilder(), null, null, null));
    }

    @Override
    public void contentBlockStartThinking(int index) {
        blocks.add(new Block("thinking", new StringBuilder(), new StringBuilder(), null, null));
    }

    @Override
    public void contentBlockStartToolUse(int index, String id, String name) {
        blocks.add(new Block("tool_use", new StringBuilder(), null, id, name));
    }

    @Override
    public void textDelta(int index, String text) {
        blocks.get(index).text().append(text);
    }

    @Override
    public void thinkingDelta(int index, String thinking) {
        blocks.get(index).text().append(thinking);
    }

    @Override
    public void signatureDelta(int index, String signature) {
        blocks.get(index).extra().setLength(0);
        blocks.get(index).extra().append(signature);
    }

    @Override
    public void inputJsonDelta(int index, String partialJson) {
        blocks.get(index).text().append(partialJson);
    }

    @Override
    public void contentBlockStop(int index) {
    }

    @Override
    public void messageDelta(String stopReason, String stopSequence, Usage usage) {
        this.stopReason = stopReason;
        this.stopSequence = stopSequence;
        this.usage = usage;
    }

    @Override
    public void messageStop() {
    }

    @Override
    public void error(AnthropicError error) {
        this.error = error;
    }

    @Override
    public void ping() {
    }

    public AnthropicError error() {
        return error;
    }

    public String stopReason() {
        return stopReason;
    }

    Usage usage() {
        return usage;
    }

    /** The message id from {@code message_start}, or null before it. */
    public String id() {
        return id;
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            for (Block b : blocks) {
                g.writeStartObject();
                g.writeStringField("type", b.type());
                switch (b.type()) {
                    case "text" -> g.writeStringField("text", b.text().toString());
                    case "thinking" -> {
                        g.writeStringField("thinking", b.text().toString());
                        g.writeStringField("signature", b.extra().toString());
                    }
                    case "tool_use" -> {
                        g.writeStringField("id", b.id());
                        g.writeStringField("name", b.name());
                        g.writeFieldName("input");
                        String json = b.text().isEmpty() ? "{}" : b.text().toString();
                        JsonNode input = Json.MAPPER.readTree(json);
                        Json.MAPPER.writeTree(g, input);
                    }
                    default -> { }
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("stop_reason", stopReason);
            g.writeStringField("stop_sequence", stopSequence);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("input_tokens", usage.inputTokens());
            g.writeNumberField("cache_creation_input_tokens", usage.cacheCreationInputTokens());
            g.writeNumberField("cache_read_input_tokens", usage.cacheReadInputTokens());
            g.writeNumberField("output_tokens", usage.outputTokens());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
