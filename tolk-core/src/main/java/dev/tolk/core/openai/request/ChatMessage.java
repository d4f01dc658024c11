package dev.tolk.core.openai.request;

import java.util.List;

/**
 * One Chat Completions message. {@code text} is used when the content is plain text (best chat-template
 * compatibility); {@code parts} when it carries images. {@code reasoning} goes out as both {@code reasoning} (new
 * vLLM) and {@code reasoning_content} (old vLLM and templates that read that key), protocol.md §C.2.
 */
public record ChatMessage(String role, String text, List<ContentPart> parts, List<ToolCall> toolCalls,
                          String toolCallId, String reasoning) {

    public static ChatMessage system(String text) {
        return new ChatMessage("system", text, null, null, null, null);
    }

    public static ChatMessage user(String text) {
        return new ChatMessage("user", text, null, null, null, null);
    }

    public static ChatMessage userParts(List<ContentPart> parts) {
        return new ChatMessage("user", null, List.copyOf(parts), null, null, null);
    }

    public static ChatMessage tool(String toolCallId, String text) {
        return new ChatMessage("tool", text, null, null, toolCallId, null);
    }

    public static ChatMessage assistant(String text, List<ToolCall> toolCalls, String reasoning) {
        return new ChatMessage("assistant", text, null, toolCalls == null || toolCalls.isEmpty() ? null
                : List.copyOf(toolCalls), null, reasoning);
    }

    public boolean hasToolCalls() {
        return toolCalls != null && !toolCalls.isEmpty();
    }
}
