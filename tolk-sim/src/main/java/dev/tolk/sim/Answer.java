package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulated model produces for one request: reasoning, text, tool calls and how it finishes, plus the
 * scripted delivery details (chunking, tool-call stream variant, faults). Built from a scenario rule's
 * {@code reply} or from the default rule.
 */
record Answer(String reasoning, String text, List<Call> calls, boolean callsAsText, String finishReason,
              Object stopReason, Integer completionTokens, int chunks, long chunkDelayMillis, String toolVariant,
              JsonNode error, JsonNode fault) {

    record Call(String name, String arguments) {}

    static Answer fromReply(JsonNode reply, String defaultText, int defaultChunks, long defaultDelay) {
        List<Call> calls = new ArrayList<>();
        for (JsonNode c : reply.path("toolCalls")) {
            JsonNode args = c.get("arguments");
            String a = args == null || args.isNull() ? "{}" : args.isTextual() ? args.textValue() : args.toString();
            calls.add(new Call(c.path("name").asText(), a));
        }
        String text = reply.has("text") ? reply.get("text").asText() : calls.isEmpty() && !reply.has("reasoning")
                && !reply.has("error") ? defaultText : null;
        Object stop = null;
        JsonNode sr = reply.get("stopReason");
        if (sr != null && sr.isInt()) {
            stop = sr.intValue();
        } else if (sr != null && sr.isTextual()) {
            stop = sr.textValue();
        }
        return new Answer(
                reply.hasNonNull("reasoning") ? reply.get("reasoning").asText() : null,
                text,
                calls,
                reply.path("toolCallsAsText").asBoolean(false),
                reply.hasNonNull("finishReason") ? reply.get("finishReason").asText() : null,
                stop,
                reply.hasNonNull("completionTokens") ? reply.get("completionTokens").asInt() : null,
                reply.hasNonNull("chunks") ? reply.get("chunks").asInt() : defaultChunks,
                reply.hasNonNull("chunkDelayMs") ? reply.get("chunkDelayMs").asLong() : defaultDelay,
                reply.hasNonNull("toolVariant") ? reply.get("toolVariant").asText() : "standard",
                reply.get("error"),
                reply.get("fault"));
    }

    /** Hermes markup for tool calls written as text (an upstream without a tool parser). */
    String callsAsHermes() {
        StringBuilder sb = new StringBuilder();
        for (Call c : calls) {
            sb.append("<tool_call>\n{\"name\": \"").append(c.name()).append("\", \"arguments\": ")
                    .append(c.arguments()).append("}\n</tool_call>");
        }
        return sb.toString();
    }

    /** Splits {@code s} into about {@code n} pieces without splitting surrogate pairs. */
    static List<String> split(String s, int n) {
        List<String> out = new ArrayList<>();
        if (s == null || s.isEmpty()) {
            return out;
        }
        int pieces = Math.max(1, Math.min(n, s.length()));
        int size = (s.length() + pieces - 1) / pieces;
        int i = 0;
        while (i < s.length()) {
            int end = Math.min(s.length(), i + size);
            if (end < s.length() && Character.isHighSurrogate(s.charAt(end - 1))) {
                end++;
            }
            out.add(s.substring(i, end));
            i = end;
        }
        return out;
    }
}
