package dev.tolk.core.dispatch;

/** Why a request is sent upstream once more; {@link #logNote()} is what the gateway's access log shows. */
public enum RetryReason {
    /** vLLM has no tool-call parser: sent again with {@code tool_choice: "none"} ({@link ToolChoiceFallback}). */
    NO_TOOL_PARSER("no-tool-parser:tool_choice=none"),
    /** The prompt was larger than estimated: sent again with the exact room left ({@link ContextClamp}). */
    CONTEXT_WINDOW("clamp-retry"),
    /** The upstream refused, reset, timed out or answered 429/502/503/504/529 before any byte went to the client:
     *  sent to the route's next upstream ({@link Fleet}). */
    FAILOVER("failover");

    private final String logNote;

    RetryReason(String logNote) {
        this.logNote = logNote;
    }

    public String logNote() {
        return logNote;
    }
}
