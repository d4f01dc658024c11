package dev.tolk.core.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Structure-aware edits of a JSON tree, every choice taken from the fuzzer's data: remove a member, replace a
 * value by a scalar, an empty container, a word of the Messages API or a copy of another node of the same tree,
 * or add a member. Working on the tree (not the bytes) keeps the body valid JSON, so inputs get past the parser
 * into the translator's field and block rules.
 */
final class RequestMutator {
    /** Field names and enum values of the Messages API, so edits produce types and roles the translator knows. */
    static final String[] WORDS = {
            "type", "text", "image", "document", "search_result", "tool_use", "tool_result", "thinking",
            "redacted_thinking", "server_tool_use", "web_search_tool_result", "user", "assistant", "system", "role",
            "content", "source", "base64", "url", "media_type", "data", "application/pdf", "image/png", "id", "name",
            "input", "tool_use_id", "is_error", "signature", "cache_control", "ephemeral", "tools", "tool_choice",
            "auto", "any", "tool", "none", "disable_parallel_tool_use", "input_schema", "enabled", "disabled",
            "adaptive", "budget_tokens", "output_config", "effort", "low", "medium", "high", "max", "format",
            "json_schema", "schema", "output_format", "metadata", "user_id", "stop_sequences", "max_tokens",
            "temperature", "top_p", "top_k", "stream", "model", "messages", "defer_loading", "web_search_20250305",
            "title", "citations", "", " ", "\n\n"};

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RequestMutator() {}

    static void mutate(ObjectNode root, FuzzedDataProvider data) {
        int edits = data.consumeInt(0, 6);
        for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
            List<Slot> slots = new ArrayList<>();
            collect(root, slots);
            if (slots.isEmpty()) {
                return;
            }
            Slot target = slots.get(data.consumeInt(0, slots.size() - 1));
            switch (data.consumeInt(0, 5)) {
                case 0 -> target.remove();
                case 1 -> target.set(scalar(data));
                case 2 -> target.set(data.consumeBoolean() ? NODES.objectNode() : NODES.arrayNode());
                case 3 -> target.set(NODES.textNode(data.pickValue(WORDS)));
                case 4 -> target.set(slots.get(data.consumeInt(0, slots.size() - 1)).value().deepCopy());
                default -> target.add(data.pickValue(WORDS), scalarOrCopy(data, slots));
            }
        }
    }

    private static JsonNode scalarOrCopy(FuzzedDataProvider data, List<Slot> slots) {
        return data.consumeBoolean() ? scalar(data) : slots.get(data.consumeInt(0, slots.size() - 1)).value().deepCopy();
    }

    private static JsonNode scalar(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 5)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(data.consumeBoolean());
            case 2 -> NODES.numberNode(data.consumeLong());
            case 3 -> NODES.numberNode(data.consumeInt(-2, 300_000));
            case 4 -> NODES.numberNode(data.consumeRegularDouble());
            default -> NODES.textNode(data.consumeString(64));
        };
    }

    /** Every member and element below {@code n}, in document order. */
    private static void collect(JsonNode n, List<Slot> out) {
        if (n instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                out.add(new Slot(o, name, -1));
                collect(o.get(name), out);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Slot(a, null, i));
                collect(a.get(i), out);
            }
        }
    }

    /** A place in the tree: a member of an object or an element of an array. */
    private record Slot(JsonNode parent, String field, int index) {
        JsonNode value() {
            return field != null ? parent.get(field) : parent.get(index);
        }

        void set(JsonNode v) {
            if (field != null) {
                ((ObjectNode) parent).set(field, v);
            } else {
                ((ArrayNode) parent).set(index, v);
            }
        }

        void remove() {
            if (field != null) {
                ((ObjectNode) parent).remove(field);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        /** Adds a member next to this slot (an element when the parent is an array). */
        void add(String name, JsonNode v) {
            if (parent instanceof ObjectNode o) {
                o.set(name, v);
            } else {
                ((ArrayNode) parent).insert(index, v);
            }
        }
    }
}
