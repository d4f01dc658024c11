package dev.tolk.core.translate;

/** What happens to a {@code role:"system"} message in the middle of {@code messages} (protocol.md §C.2). */
public enum InlineSystemPolicy {
    /** Default: its text becomes user text at the same position (Qwen-family templates reject a late system message). */
    FOLD_INTO_USER,
    /** Keep it as a {@code system} message at its position, for templates that accept it. */
    KEEP_AS_SYSTEM,
    /** Drop it. */
    DROP
}
