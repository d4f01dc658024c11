package dev.tolk.core.anthropic.request;

/** {@code tool_choice}: {@code type} is auto, any, tool or none; {@code name} only for tool. */
public record ToolChoice(String type, String name, boolean disableParallelToolUse) {}
