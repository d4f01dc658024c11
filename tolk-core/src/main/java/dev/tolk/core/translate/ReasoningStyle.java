package dev.tolk.core.translate;

/**
 * How Anthropic's {@code thinking} / {@code output_config.effort} reach the upstream (protocol.md §B.7, §C.1).
 */
public enum ReasoningStyle {
    /**
     * Default; works without configuration on common reasoning models: sends
     * {@code chat_template_kwargs: {enable_thinking: on, thinking: on}} (Qwen3/GLM read the first, DeepSeek the
     * second; chat templates ignore kwargs they do not use) and {@code reasoning_effort} when the client gave an
     * effort.
     */
    AUTO,
    /** {@code chat_template_kwargs.enable_thinking} (Qwen3, GLM). */
    ENABLE_THINKING,
    /** {@code chat_template_kwargs.thinking} (DeepSeek V3.1+). */
    THINKING,
    /** {@code reasoning_effort} (gpt-oss); thinking off becomes the lowest effort the upstream accepts. */
    REASONING_EFFORT,
    /** {@code thinking_token_budget} from {@code budget_tokens} (newest vLLM) plus {@code enable_thinking}. */
    TOKEN_BUDGET,
    /** Send nothing; the model's own default applies. */
    NONE
}
