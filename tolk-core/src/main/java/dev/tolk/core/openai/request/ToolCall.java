package dev.tolk.core.openai.request;

/** An assistant {@code tool_calls} entry; {@code arguments} is a JSON object serialized to a string. */
public record ToolCall(String id, String name, String arguments) {}
