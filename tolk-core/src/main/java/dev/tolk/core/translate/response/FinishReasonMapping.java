package dev.tolk.core.translate.response;

import dev.tolk.core.translate.RequestFacts;

/**
 * vLLM {@code finish_reason} + {@code stop_reason} → Anthropic {@code stop_reason} + {@code stop_sequence}
 * (protocol.md §C.5):
 * <ul>
 *   <li>a tool call was produced and the finish is {@code stop} or {@code tool_calls} → {@code tool_use} (named and
 *       required tool choice finish with {@code stop}, so {@code finish_reason} alone is not enough);</li>
 *   <li>{@code length} → {@code max_tokens};</li>
 *   <li>{@code stop} with a string {@code stop_reason} that is one of the request's stop sequences →
 *       {@code stop_sequence}, with that string; an int {@code stop_reason} is an EOS-like token → {@code end_turn};</li>
 *   <li>{@code repetition} (newest vLLM's repetition detection) → {@code end_turn}: the model did stop;</li>
 *   <li>anything else → {@code end_turn}.</li>
 * </ul>
 */
public final class FinishReasonMapping {
    private FinishReasonMapping() {}

    public record Stop(String stopReason, String stopSequence) {}

    public static Stop toAnthropic(String finishReason, Object stopReason, boolean producedToolUse, RequestFacts facts) {
        if ("length".equals(finishReason)) {
            return new Stop("max_tokens", null);
        }
        if (producedToolUse) {
            return new Stop("tool_use", null);
        }
        if (stopReason instanceof String s && facts.stopSequences().contains(s)) {
            return new Stop("stop_sequence", s);
        }
        return new Stop("end_turn", null);
    }
}
