package dev.tolk.core.translate.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.json.Json;
import java.io.IOException;

/**
 * The client's Messages request for an upstream that speaks Anthropic's API itself (vLLM's own {@code /v1/messages},
 * llama.cpp, Ollama, another Tolk): sent untranslated, with Tolk's fixes applied — {@code model} mapped to the
 * served name, {@code max_tokens} as clamped to the window, and the {@code x-anthropic-billing-header:} system blocks
 * removed (they change on every request and would defeat the upstream's prefix cache).
 */
public final class PassthroughBody {
    private PassthroughBody() {}

    /** {@code clientBody} (already validated by translation) with the fixes above. */
    public static byte[] rewrite(byte[] clientBody, String upstreamModel, int maxTokens) throws IOException {
        JsonNode root = Json.MAPPER.readTree(clientBody);
        if (!(root instanceof ObjectNode o)) {
            throw new IOException("the request body is not a JSON object");
        }
        o.put("model", upstreamModel);
        if (maxTokens > 0) {
            o.put("max_tokens", maxTokens);
        }
        JsonNode system = o.get("system");
        if (system != null && system.isTextual() && SystemMapping.isBillingHeader(system.asText())) {
            o.remove("system");
        } else if (system instanceof ArrayNode blocks) {
            for (int i = blocks.size() - 1; i >= 0; i--) {
                JsonNode b = blocks.get(i);
                if ("text".equals(b.path("type").asText()) && SystemMapping.isBillingHeader(b.path("text").asText())) {
                    blocks.remove(i);
                }
            }
            if (blocks.isEmpty()) {
                o.remove("system");
            }
        }
        return Json.MAPPER.writeValueAsBytes(o);
    }
}
