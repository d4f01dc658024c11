package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Deterministic prompt token counts: a real BPE tokenizer (cl100k_base, via jtokkit) over a ChatML-style
 * rendering of the messages and tools, like a chat template would produce. {@code /tokenize}, usage and the
 * context-window check all use this one count, as vLLM does.
 */
final class Tokenizer {
    private static final Encoding ENCODING = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    private Tokenizer() {}

    static int count(String text) {
        return text.isEmpty() ? 0 : ENCODING.countTokensOrdinary(text);
    }

    static int[] encode(String text) {
        return text.isEmpty() ? new int[0] : ENCODING.encodeOrdinary(text).toArray();
    }

    /** The rendered prompt: messages, then tools, then the generation prompt when {@code addGenerationPrompt}. */
    static String render(JsonNode messages, JsonNode tools, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder(4096);
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            sb.append("<|im_start|>system\n# Tools\n");
            for (JsonNode t : tools) {
                sb.append(t.toString()).append('\n');
            }
            sb.append("<|im_end|>\n");
        }
        if (messages != null) {
            for (JsonNode m : messages) {
                sb.append("<|im_start|>").append(m.path("role").asText()).append('\n');
                appendContent(sb, m.get("content"));
                JsonNode reasoning = m.has("reasoning") ? m.get("reasoning") : m.get("reasoning_content");
                if (reasoning != null && reasoning.isTextual()) {
                    sb.append("<think>").append(reasoning.textValue()).append("</think>");
                }
                for (JsonNode c : m.path("tool_calls")) {
                    sb.append("<tool_call>").append(c.path("function").toString()).append("</tool_call>");
                }
                sb.append("<|im_end|>\n");
            }
        }
        if (addGenerationPrompt) {
            sb.append("<|im_start|>assistant\n");
        }
        return sb.toString();
    }

    private static void appendContent(StringBuilder sb, JsonNode content) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isTextual()) {
            sb.append(content.textValue());
            return;
        }
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                sb.append(part.path("text").asText());
            } else if ("image_url".equals(part.path("type").asText())) {
                sb.append("<image>");
            }
        }
    }
}
