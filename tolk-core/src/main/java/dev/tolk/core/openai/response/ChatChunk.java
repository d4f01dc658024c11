package dev.tolk.core.openai.response;

import java.util.List;

/**
 * One vLLM streaming chunk reduced to what translation reads (protocol.md §B.4), or a whole non-streaming
 * completion seen as a single chunk. Only {@code choices[0]} matters (Tolk never asks for {@code n > 1}).
 *
 * @param hasChoice    false for the usage chunk ({@code choices: []}) and error chunks
 * @param content      {@code delta.content} (or {@code message.content}); null when absent
 * @param reasoning    {@code reasoning} ?? {@code reasoning_content}; null when absent
 * @param toolCalls    tool-call fragments in arrival order; empty when none
 * @param finishReason null until the finish chunk
 * @param stopReason   vLLM's {@code stop_reason}: a String (matched stop string), an Integer (stop token) or null
 * @param usage        null when the chunk carries none
 * @param error        non-null for {@code data: {"error":…}} chunks
 */
public record ChatChunk(boolean hasChoice, String content, String reasoning, List<ToolCallDelta> toolCalls,
                        String finishReason, Object stopReason, ChatUsage usage, UpstreamError error) {

    /** A chunk that holds only {@code text}: reasoning when {@code reasoning}, else content. */
    public static ChatChunk text(String text, boolean reasoning) {
        return new ChatChunk(true, reasoning ? null : text, reasoning ? text : null, List.of(), null, null, null, null);
    }

    /** A {@code tool_calls[]} fragment; fields absent in the fragment are null ({@code index} defaults to 0). */
    public record ToolCallDelta(int index, String id, String name, String arguments) {}

    /** {@code usage}: prompt, completion and {@code prompt_tokens_details.cached_tokens} (0 when absent). */
    public record ChatUsage(long promptTokens, long completionTokens, long cachedTokens) {}

    /** An error object from the body: message, type, code (0 when absent), param. */
    public record UpstreamError(String message, String type, int code, String param) {}
}
