package dev.tolk.core.anthropic.request;

/** {@code thinking}: {@code type} enabled (with {@code budgetTokens}), adaptive or disabled. */
public record ThinkingConfig(String type, Integer budgetTokens) {

    /** Thinking is on: {@code enabled} or {@code adaptive}. */
    public boolean isOn() {
        return "enabled".equals(type) || "adaptive".equals(type);
    }
}
