package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;

/** A 200 answer of {@code /v1/messages} (JSON or SSE) folded into its id, its tool_use id and its text. */
public record MessageReply(String id, String toolUseId, String text, String raw) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code r}, which must be a 200. */
    public static MessageReply of(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = null;
        String toolUseId = null;
        StringBuilder text = new StringBuilder();
        if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
            for (String line : r.body().split("\n")) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode e = JSON.readTree(line.substring(6));
                switch (e.path("type").asText()) {
                    case "message_start" -> id = e.get("message").get("id").asText();
                    case "content_block_start" -> {
                        if (e.get("content_block").get("type").asText().equals("tool_use")) {
                            toolUseId = e.get("content_block").get("id").asText();
                        }
                    }
                    case "content_block_delta" -> text.append(e.get("delta").path("text").asText(""));
                    default -> { }
                }
            }
        } else {
            JsonNode m = JSON.readTree(r.body());
            id = m.get("id").asText();
            for (JsonNode b : m.get("content")) {
                if (b.get("type").asText().equals("tool_use")) {
                    toolUseId = b.get("id").asText();
                } else if (b.get("type").asText().equals("text")) {
                    text.append(b.get("text").asText());
                }
            }
        }
        return new MessageReply(id, toolUseId, text.toString(), r.body());
    }
}
