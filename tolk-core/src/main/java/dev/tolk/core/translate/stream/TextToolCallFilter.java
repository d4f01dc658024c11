package dev.tolk.core.translate.stream;

import java.util.List;
import java.util.Set;

/**
 * The seam through which streamed content passes when tool calls written as text are recovered (issue #5).
 * {@link #feed} returns what can be decided now; {@link #finish} flushes the rest.
 */
interface TextToolCallFilter {
    sealed interface Piece {
        record Text(String text) implements Piece {}

        record ToolCall(String name, String argumentsJson) implements Piece {}
    }

    List<Piece> feed(String content);

    List<Piece> finish();

    /** The recovery filter for these tool names, or null when no parser is available. */
    static TextToolCallFilter create(Set<String> toolNames) {
        return TextToolCallFilters.create(toolNames);
    }
}
