package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One entry of {@code messages}: {@code user}, {@code assistant}, the 2026 mid-conversation {@code system}, or
 * a role Tolk does not know. A string {@code content} is held as one text block.
 */
public record MessageParam(String role, List<ContentBlockParam> content, ObjectNode raw) {
    public MessageParam {
        content = List.copyOf(content);
    }
}
