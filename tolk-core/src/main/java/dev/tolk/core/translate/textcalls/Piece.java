package dev.tolk.core.translate.textcalls;

/** What {@link TextToolCallParser} decided about a stretch of model output: plain text, or a recovered tool call. */
public sealed interface Piece {
    record Text(String text) implements Piece {}

    /** A tool call; {@code argumentsJson} is always one valid JSON object. */
    record ToolCall(String name, String argumentsJson) implements Piece {}
}
