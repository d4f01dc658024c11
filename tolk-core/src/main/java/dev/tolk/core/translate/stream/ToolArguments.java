package dev.tolk.core.translate.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import java.io.IOException;

/**
 * Validates and repairs a tool call's accumulated {@code arguments} before they reach the client as tool input
 * (protocol.md §B.4, §C.10 item 10: vLLM's parsers can duplicate or garble argument fragments).
 *
 * <p>Policy, in order: blank → {@code {}}; a valid JSON object → itself; a valid object followed by anything
 * (the remainder re-sent in the finish chunk: {@code {"a":1}{"a":1}}) → the first object; an object cut short
 * (missing closing quotes/braces) → closed; any other JSON value or unrepairable text → {@code {}} — the client's
 * tool then rejects the missing fields with a message the model can act on. Invalid JSON never passes.
 */
public final class ToolArguments {
    private ToolArguments() {}

    /** Returns compact JSON text of an object. */
    public static String repair(String raw) {
        if (raw == null || raw.isBlank()) {
            return "{}";
        }
        String s = raw.strip();
        JsonNode first = firstObject(s);
        if (first != null) {
            return first.toString();
        }
        if (s.startsWith("{")) {
            String closed = close(s);
            if (closed != null) {
                JsonNode n = firstObject(closed);
                if (n != null) {
                    return n.toString();
                }
            }
        }
        return "{}";
    }

    /** Whether {@code raw} is already exactly one JSON object (no repair needed). */
    public static boolean isValidObject(String raw) {
        try (JsonParser p = Json.FACTORY.createParser(raw)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode firstObject(String s) {
        try (JsonParser p = Json.FACTORY.createParser(s)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            return Json.MAPPER.readTree(p);
        } catch (IOException e) {
            return null;
        }
    }

    /** Appends the quotes/brackets an object cut short is missing; null if it is not a simple truncation. */
    private static String close(String s) {
        StringBuilder stack = new StringBuilder();
        boolean inString = false;
        boolean escape = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '{' -> stack.append('}');
                case '[' -> stack.append(']');
                case '}', ']' -> {
                    if (stack.isEmpty() || stack.charAt(stack.length() - 1) != c) {
                        return null;
                    }
                    stack.setLength(stack.length() - 1);
                }
                default -> { }
            }
        }
        StringBuilder out = new StringBuilder(s);
        if (inString) {
            if (escape) {
                out.setLength(out.length() - 1);
            }
            out.append('"');
        }
        String trimmed = out.toString().stripTrailing();
        out.setLength(0);
        out.append(trimmed);
        // a dangling separator or key without a value cannot be closed meaningfully
        char last = out.charAt(out.length() - 1);
        if (last == ',' ) {
            out.setLength(out.length() - 1);
        } else if (last == ':') {
            out.append("null");
        }
        return out.append(stack.reverse()).toString();
    }
}
