package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.request.OutputConfig;
import dev.tolk.core.anthropic.request.ThinkingConfig;
import dev.tolk.core.translate.ReasoningStyle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code thinking} and {@code output_config.effort} → the upstream's reasoning controls, per
 * {@link ReasoningStyle} (protocol.md §B.7, §C.1).
 *
 * <p>Thinking is "on" for {@code enabled} and {@code adaptive} (Claude Code sends adaptive on every turn), "off"
 * for {@code disabled}; when the client sends no {@code thinking} at all nothing is sent, so the model's default
 * applies. Efforts {@code xhigh} and {@code max} become {@code high}: vLLM before 2026 accepts only low, medium
 * and high and rejects anything else with a 400.
 */
final class ThinkingMapping {
    private ThinkingMapping() {}

    record Chat(Map<String, Object> templateKwargs, String reasoningEffort, Integer thinkingTokenBudget) {}

    static Chat toChat(ThinkingConfig thinking, OutputConfig output, ReasoningStyle style) {
        Boolean on = thinking == null ? null : thinking.isOn();
        String effort = effort(output);
        Map<String, Object> kwargs = new LinkedHashMap<>();
        String reasoningEffort = null;
        Integer budget = null;
        switch (style) {
            case AUTO -> {
                if (on != null) {
                    kwargs.put("enable_thinking", on);
                    kwargs.put("thinking", on);
                }
                if (effort != null && !Boolean.FALSE.equals(on)) {
                    reasoningEffort = effort;
                }
            }
            case ENABLE_THINKING -> {
                if (on != null) {
                    kwargs.put("enable_thinking", on);
                }
            }
            case THINKING -> {
                if (on != null) {
                    kwargs.put("thinking", on);
                }
            }
            case REASONING_EFFORT -> {
                if (Boolean.FALSE.equals(on)) {
                    reasoningEffort = "low";
                } else if (on != null || effort != null) {
                    reasoningEffort = effort != null ? effort : "medium";
                }
            }
            case TOKEN_BUDGET -> {
                if (on != null) {
                    kwargs.put("enable_thinking", on);
                }
                if (Boolean.TRUE.equals(on) && thinking.budgetTokens() != null) {
                    budget = thinking.budgetTokens();
                }
            }
            case NONE -> { }
        }
        return new Chat(kwargs.isEmpty() ? null : kwargs, reasoningEffort, budget);
    }

    private static String effort(OutputConfig output) {
        if (output == null || output.effort() == null) {
            return null;
        }
        return switch (output.effort()) {
            case "low", "medium", "high" -> output.effort();
            case "xhigh", "max" -> "high";
            case "minimal", "none" -> "low";
            default -> null;
        };
    }
}
