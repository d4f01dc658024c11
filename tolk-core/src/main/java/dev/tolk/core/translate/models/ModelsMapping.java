package dev.tolk.core.translate.models;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * vLLM {@code GET /v1/models} → Anthropic {@code GET /v1/models} and {@code GET /v1/models/{id}} (protocol.md §C.8,
 * §A.9), with Anthropic's cursor pagination: {@code limit} (default 20, 1–1000), {@code after_id},
 * {@code before_id}, and {@code has_more}, {@code first_id}, {@code last_id} in the page.
 */
public final class ModelsMapping {
    public static final int DEFAULT_LIMIT = 20;

    private ModelsMapping() {}

    /** Parses vLLM's model list; cards without an id are skipped. Throws IOException for a body that is not JSON. */
    public static List<UpstreamModel> parseVllmModels(byte[] json) throws IOException {
        JsonNode root = Json.MAPPER.readTree(json);
        List<UpstreamModel> out = new ArrayList<>();
        for (JsonNode card : root.path("data")) {
            String id = card.path("id").asText(null);
            if (id == null || id.isEmpty()) {
                continue;
            }
            JsonNode len = card.get("max_model_len");
            if (len == null) { // an upstream that speaks Anthropic's API (another Tolk) names the window this way
                len = card.get("max_input_tokens");
            }
            out.add(new UpstreamModel(id, card.path("created").asLong(0),
                    len != null && len.canConvertToInt() && len.intValue() > 0 ? OptionalInt.of(len.intValue())
                            : OptionalInt.empty()));
        }
        return out;
    }

    /** One page of the list. {@code limit} null means the default. */
    public static byte[] toAnthropicList(List<ModelInfo> all, Integer limit, String afterId, String beforeId)
            throws AnthropicException {
        int n = limit == null ? DEFAULT_LIMIT : limit;
        if (n < 1 || n > 1000) {
            throw AnthropicException.invalidRequest("limit: must be between 1 and 1000");
        }
        int from = 0;
        int to = all.size();
        if (afterId != null) {
            from = indexOf(all, afterId, "after_id") + 1;
        }
        if (beforeId != null) {
            to = indexOf(all, beforeId, "before_id");
        }
        List<ModelInfo> page;
        boolean hasMore;
        if (beforeId != null && afterId == null) {
            int start = Math.max(0, to - n);
            page = all.subList(start, Math.max(start, to));
            hasMore = start > 0;
        } else {
            int end = Math.min(to, from + n);
            page = from >= end ? List.of() : all.subList(from, end);
            hasMore = end < to;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + page.size() * 200);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("data");
            for (ModelInfo m : page) {
                write(g, m);
            }
            g.writeEndArray();
            g.writeBooleanField("has_more", hasMore);
            g.writeStringField("first_id", page.isEmpty() ? null : page.get(0).id());
            g.writeStringField("last_id", page.isEmpty() ? null : page.get(page.size() - 1).id());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] toAnthropicModel(ModelInfo m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            write(g, m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The model with this id, or a 404 {@code not_found_error}. */
    public static ModelInfo find(List<ModelInfo> all, String id) throws AnthropicException {
        for (ModelInfo m : all) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new AnthropicException(AnthropicError.of(ErrorType.NOT_FOUND, "model: " + id + " not found"));
    }

    private static int indexOf(List<ModelInfo> all, String id, String param) throws AnthropicException {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id().equals(id)) {
                return i;
            }
        }
        throw AnthropicException.invalidRequest(param + ": unknown model id '" + id + "'");
    }

    private static void write(JsonGenerator g, ModelInfo m) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "model");
        g.writeStringField("id", m.id());
        g.writeStringField("display_name", m.displayName());
        g.writeStringField("created_at", DateTimeFormatter.ISO_INSTANT.format(m.createdAt()));
        if (m.maxInputTokens() != null) {
            g.writeNumberField("max_input_tokens", m.maxInputTokens());
        }
        if (m.maxTokens() != null) {
            g.writeNumberField("max_tokens", m.maxTokens());
        }
        g.writeEndObject();
    }
}
