package dev.tolk.core.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tolk.core.json.Json;
import dev.tolk.core.support.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real Claude Code {@code /v1/messages} bodies as starting points for structured fuzzing. Long strings
 * (system prompts, tool descriptions, file contents) are cut to {@link #MAX_STRING} characters: the shapes stay,
 * each execution gets ~50× cheaper, and bodies that then look alike are kept once.
 */
final class ClaudeCodeSeeds {
    static final int MAX_STRING = 48;

    private static final List<ObjectNode> BODIES = load();

    private ClaudeCodeSeeds() {}

    static int count() {
        return BODIES.size();
    }

    /** A fresh copy of the n-th shrunk body, free to mutate. */
    static ObjectNode body(int n) {
        return BODIES.get(n).deepCopy();
    }

    private static List<ObjectNode> load() {
        Set<String> seen = new LinkedHashSet<>();
        List<ObjectNode> out = new ArrayList<>();
        for (Fixtures.Recorded r : Fixtures.messages()) {
            try {
                JsonNode n = Json.MAPPER.readTree(r.body());
                shrink(n);
                if (n instanceof ObjectNode o && seen.add(o.toString())) {
                    out.add(o);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no Claude Code /v1/messages fixtures found");
        }
        return List.copyOf(out);
    }

    private static void shrink(JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    e.setValue(cut(e.getValue()));
                } else {
                    shrink(e.getValue());
                }
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    a.set(i, cut(a.get(i)));
                } else {
                    shrink(a.get(i));
                }
            }
        }
    }

    private static JsonNode cut(JsonNode text) {
        String s = text.textValue();
        return s.length() <= MAX_STRING ? text : TextNode.valueOf(s.substring(0, MAX_STRING));
    }
}
