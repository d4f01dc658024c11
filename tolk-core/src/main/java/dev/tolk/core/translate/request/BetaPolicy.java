package dev.tolk.core.translate.request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Tolk does about each {@code anthropic-beta} value it knows (Claude Code's and the official SDK's list).
 * A beta header alone never changes a translation: a beta's request fields are judged by
 * {@link RequestFieldPolicy}. Unknown betas are accepted; {@link #unknown} names them so that the shell can report
 * them. docs/request-fields.md is this table for people.
 */
public final class BetaPolicy {
    /** How a known beta is handled. */
    public enum Handling {
        /** Tolk serves the feature. */
        SERVED,
        /** Nothing to do on vLLM: the answer is right without it. */
        NOT_NEEDED,
        /** The feature's request fields decide: see {@link RequestFieldPolicy}. */
        PER_FIELD,
        /** Not a Messages API feature. */
        OTHER_API
    }

    /** One known beta. */
    public record Beta(String name, Handling handling, String what) {}

    private static final Map<String, Beta> KNOWN = new LinkedHashMap<>();

    private static void add(Handling h, String what, String... names) {
        for (String n : names) {
            KNOWN.put(n, new Beta(n, h, what));
        }
    }

    static {
        add(Handling.SERVED, "Claude Code's own requests; translated like any other", "claude-code-20250219");
        add(Handling.SERVED, "server-held conversation state (the thread field), see docs/threads.md",
                "message-threads-2026-08-12");
        add(Handling.SERVED, "thinking blocks between tool calls, when the model thinks there",
                "interleaved-thinking-2025-05-14", "dev-full-thinking-2025-05-14");
        add(Handling.SERVED, "output_config.effort → reasoning_effort", "effort-2025-11-24");
        add(Handling.SERVED, "output_config.format → response_format", "structured-outputs-2025-11-13");
        add(Handling.SERVED, "POST /v1/messages/count_tokens", "token-counting-2024-11-01");
        add(Handling.SERVED, "role:system messages inside messages, folded into the user turn by default",
                "mid-conversation-system-2026-04-07");
        add(Handling.SERVED, "tools may change from turn to turn: every request carries its own tools",
                "mid-conversation-tool-changes-2026-07-01");
        add(Handling.SERVED, "defer_loading tools are not sent until loaded", "advanced-tool-use-2025-11-20");
        add(Handling.SERVED, "max_tokens is clamped to what fits in the model's window",
                "output-128k-2025-02-19", "output-300k-2026-03-24");
        add(Handling.SERVED, "the window is the served model's; beyond it the answer is \"prompt is too long\"",
                "context-1m-2025-08-07", "model-context-window-exceeded-2025-08-26");
        add(Handling.NOT_NEEDED, "cache_control is dropped; vLLM's prefix cache needs no hints",
                "prompt-caching-2024-07-31", "prompt-caching-scope-2026-01-05", "extended-cache-ttl-2025-04-11",
                "cache-diagnosis-2026-04-07");
        add(Handling.NOT_NEEDED, "tool calls are read from the upstream whatever their encoding",
                "token-efficient-tools-2025-02-19", "fine-grained-tool-streaming-2025-05-14");
        add(Handling.NOT_NEEDED, "thinking is streamed as the model produces it",
                "thinking-display-updates-2026-08-18", "thinking-token-count-2026-05-13");
        add(Handling.NOT_NEEDED, "per-turn settings travel in each request", "per-turn-control-2026-07-01");
        add(Handling.NOT_NEEDED, "Claude Code's auto mode: the safeguards field is dropped",
                "dangerous-tool-use-2026-09-03", "afk-mode-2026-01-31");
        add(Handling.NOT_NEEDED, "speed is dropped", "fast-mode-2026-02-01");
        add(Handling.PER_FIELD, "context_management: clear_thinking edits dropped, other edits rejected",
                "context-management-2025-06-27");
        add(Handling.PER_FIELD, "compaction and compact_* edits are rejected", "compact-2026-01-12",
                "compact-2026-09-04");
        add(Handling.PER_FIELD, "mcp_servers is rejected", "mcp-client-2025-04-04", "mcp-client-2025-11-20",
                "mcp-client-2026-09-15");
        add(Handling.PER_FIELD, "container is rejected; code-execution server tools are not sent",
                "code-execution-2025-05-22", "skills-2025-10-02");
        add(Handling.PER_FIELD, "computer_* tools are not sent", "computer-use-2024-10-22",
                "computer-use-2025-01-24", "computer-use-2025-11-24");
        add(Handling.PER_FIELD, "PDF documents follow the pdf setting (rejected by default)", "pdfs-2024-09-25");
        add(Handling.PER_FIELD, "fallbacks and fallback_credit_token are dropped", "fallback-credit-2026-06-01",
                "fallback-credit-2026-07-01", "server-side-fallback-2026-06-01", "server-side-fallback-2026-07-01");
        add(Handling.PER_FIELD, "user_profile_id and billing_policy are dropped", "user-profiles-2026-03-24",
                "user-profiles-2026-08-18", "user-profiles-2026-09-04", "user-profiles-billing-2026-10-01");
        add(Handling.OTHER_API, "an Anthropic API Tolk does not serve (404)", "message-batches-2024-09-24",
                "files-api-2025-04-14", "managed-agents-2026-04-01", "agent-memory-2026-07-22",
                "webhooks-2026-10-07", "admin-user-sign-out-2026-10-08", "analytics-usage-cost-2026-08-24",
                "spend-limit-reads-2026-09-26", "telemetry-destinations-2026-08-11", "ce-user-management-2026-07-13",
                "ce-claude-code-managed-settings-2026-10-06", "ce-plugins-2026-09-01", "mcp-tunnels-2026-06-22");
    }

    private BetaPolicy() {}

    /** The known beta of this name, or null. */
    public static Beta of(String name) {
        return KNOWN.get(name);
    }

    /** Every known beta, in the table's order. */
    public static List<Beta> known() {
        return List.copyOf(KNOWN.values());
    }

    /**
     * The betas of an {@code anthropic-beta} header value (a comma list; blanks around names ignored) that Tolk
     * does not know, in header order; an empty immutable list when all are known or the header is null.
     */
    public static List<String> unknown(String header) {
        if (header == null || header.isEmpty()) {
            return List.of();
        }
        List<String> out = List.of();
        int start = 0;
        while (start <= header.length()) {
            int comma = header.indexOf(',', start);
            int end = comma < 0 ? header.length() : comma;
            String name = header.substring(start, end).strip();
            if (!name.isEmpty() && !KNOWN.containsKey(name)) {
                if (out.isEmpty()) {
                    out = new ArrayList<>(2);
                }
                out.add(name);
            }
            start = end + 1;
        }
        return out.isEmpty() ? out : List.copyOf(out);
    }
}
