package dev.tolk.core.translate.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** vLLM {@code POST /tokenize} response → Anthropic {@code count_tokens} response (protocol.md §C.8, §A.8). */
public final class TokenizeMapping {
    private TokenizeMapping() {}

    /** The {@code count} of a {@code /tokenize} answer. */
    public static int parseCount(byte[] tokenizeResponseJson) throws IOException {
        JsonNode n = Json.MAPPER.readTree(tokenizeResponseJson);
        JsonNode count = n.get("count");
        if (count == null || !count.canConvertToInt()) {
            JsonNode tokens = n.get("tokens");
            if (tokens != null && tokens.isArray()) {
                return tokens.size();
            }
            throw new IOException("tokenize response has no count");
        }
        return count.intValue();
    }

    /** {@code {"input_tokens":N}}. */
    public static byte[] countTokensResponse(long inputTokens) {
        return ("{\"input_tokens\":" + inputTokens + "}").getBytes(StandardCharsets.US_ASCII);
    }
}
