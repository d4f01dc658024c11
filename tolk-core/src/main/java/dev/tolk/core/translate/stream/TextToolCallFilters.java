package dev.tolk.core.translate.stream;

import java.util.Set;

/** Creates the text tool-call filter; returns null until a parser is wired in. */
final class TextToolCallFilters {
    private TextToolCallFilters() {}

    static TextToolCallFilter create(Set<String> toolNames) {
        return null;
    }
}
