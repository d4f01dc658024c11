package dev.tolk.core.translate;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What response translation must know about the request it answers. Produced by request translation,
 * consumed by the non-streaming and streaming response translators. Pure data.
 *
 * @param clientModel            the {@code model} the client sent; echoed in every response
 * @param upstreamModel          the served model name the request went to
 * @param stream                 whether the client asked for SSE
 * @param maxTokens              the client's {@code max_tokens} (before any clamping)
 * @param stopSequences          the client's {@code stop_sequences} (empty when none); a vLLM string
 *                               {@code stop_reason} maps to {@code stop_sequence} only when it is one of these
 * @param disableParallelToolUse keep only the first tool call (old vLLM ignores {@code parallel_tool_calls})
 * @param thinkingRequested      thinking is {@code enabled} or {@code adaptive}; otherwise upstream reasoning
 *                               is not surfaced as {@code thinking} blocks
 * @param toolNames              the names of the client tools sent upstream (for text tool-call recovery)
 * @param recoverTextToolCalls   text tool-call recovery is on for this request (option on and tools present)
 */
public record RequestFacts(
        String clientModel,
        String upstreamModel,
        boolean stream,
        int maxTokens,
        List<String> stopSequences,
        boolean disableParallelToolUse,
        boolean thinkingRequested,
        Set<String> toolNames,
        boolean recoverTextToolCalls) {

    public RequestFacts {
        Objects.requireNonNull(clientModel, "clientModel");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        stopSequences = List.copyOf(stopSequences);
        toolNames = Set.copyOf(toolNames);
    }
}
