package dev.tolk.core.translate.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.AnthropicException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Tolk does with each top-level field of a {@code POST /v1/messages} body: one entry per field of the official
 * SDKs' create params (stable and beta) and of what Claude Code sends. docs/request-fields.md is this table for
 * people.
 *
 * <ul>
 *   <li>{@link Disposition#MAPPED}: translated, by the class named in {@link #how()};</li>
 *   <li>{@link Disposition#DROPPED}: not sent upstream, because without it the answer is still right;</li>
 *   <li>{@link Disposition#REJECTED}: a 400 {@code invalid_request_error} naming the field, because dropping it
 *       would make the answer silently wrong (a server-side feature vLLM cannot run). A null value, or one that
 *       asks for nothing ({@link #asksForSomething}), is accepted.</li>
 * </ul>
 * A field not in the table is accepted and ignored (a newer client keeps working) and returned by
 * {@link #check} so that the shell can report it. {@code count_tokens} bodies are only checked for unknown names:
 * a count is of the conversation as sent (Anthropic's {@code count_tokens} also ignores {@code compaction}).
 */
public enum RequestFieldPolicy {
    MODEL("model", Disposition.MAPPED, "to a served model by ModelResolver (models globs, then the default model)"),
    MAX_TOKENS("max_tokens", Disposition.MAPPED, "max_tokens by MaxTokensMapping (0 → 1), clamped to the window by ContextClamp"),
    MESSAGES("messages", Disposition.MAPPED, "chat messages by MessagesMapping"),
    SYSTEM("system", Disposition.MAPPED, "one leading system message by SystemMapping"),
    STREAM("stream", Disposition.MAPPED, "stream + stream_options.include_usage by RequestTranslator"),
    STOP_SEQUENCES("stop_sequences", Disposition.MAPPED, "stop by RequestTranslator"),
    TEMPERATURE("temperature", Disposition.MAPPED, "forwarded by RequestTranslator (older SDKs send it)"),
    TOP_P("top_p", Disposition.MAPPED, "forwarded by RequestTranslator (older SDKs send it)"),
    TOP_K("top_k", Disposition.MAPPED, "forwarded by RequestTranslator (older SDKs send it)"),
    TOOLS("tools", Disposition.MAPPED, "functions by ToolsMapping (server tools and deferred tools are not sent)"),
    TOOL_CHOICE("tool_choice", Disposition.MAPPED, "tool_choice and parallel_tool_calls by ToolChoiceMapping"),
    THINKING("thinking", Disposition.MAPPED, "chat_template_kwargs / reasoning_effort / thinking_token_budget by ThinkingMapping"),
    OUTPUT_CONFIG("output_config", Disposition.MAPPED, "effort by ThinkingMapping, format → response_format by ResponseFormatMapping"),
    OUTPUT_FORMAT("output_format", Disposition.MAPPED, "(deprecated beta) response_format by ResponseFormatMapping"),
    METADATA("metadata", Disposition.MAPPED, "metadata.user_id → user by RequestTranslator"),
    THREAD("thread", Disposition.MAPPED, "thread store, see docs/threads.md"),

    CACHE_CONTROL("cache_control", Disposition.DROPPED,
            "a prompt-caching hint; vLLM's prefix cache reuses a shared prefix without being asked"),
    SERVICE_TIER("service_tier", Disposition.DROPPED, "Anthropic's capacity tiers; the upstream has one"),
    SPEED("speed", Disposition.DROPPED, "an Anthropic inference-speed mode; the text generated is the same"),
    INFERENCE_GEO("inference_geo", Disposition.DROPPED,
            "the region of Anthropic's inference; the operator chose where the upstream runs"),
    DIAGNOSTICS("diagnostics", Disposition.DROPPED,
            "asks for a cache_miss_reason in the response; the response is complete without it"),
    BILLING_POLICY("billing_policy", Disposition.DROPPED, "Anthropic billing; Tolk bills nobody"),
    FALLBACKS("fallbacks", Disposition.DROPPED,
            "retries on other models when Anthropic's model declines; without it the requested model answers alone,"
                    + " as on any model without fallbacks"),
    FALLBACK_CREDIT_TOKEN("fallback_credit_token", Disposition.DROPPED,
            "redeems an Anthropic refusal credit; no refusal credits are issued through Tolk"),
    SAFEGUARDS("safeguards", Disposition.DROPPED,
            "Claude Code's auto-mode classifier context for Anthropic's safety classifier; the model's answer does"
                    + " not depend on it (no classifier runs on vLLM; the CLI's own permission rules still apply)"),
    USER_PROFILE_ID("user_profile_id", Disposition.DROPPED,
            "a header parameter of the SDK (anthropic-user-profile-id), attribution on Anthropic's side"),
    WORKSPACE_ID("workspace_id", Disposition.DROPPED, "a header parameter of the SDK, an Anthropic workspace"),
    BETAS("betas", Disposition.DROPPED, "a header parameter of the SDK (anthropic-beta, see BetaPolicy)"),

    MCP_SERVERS("mcp_servers", Disposition.REJECTED,
            "Anthropic's MCP connector calls these servers' tools on the server side; vLLM cannot, and without them"
                    + " the model would answer without tools the client relies on. Configure the MCP servers in the"
                    + " client (Claude Code: claude mcp add) instead"),
    CONTAINER("container", Disposition.REJECTED,
            "a code-execution container on Anthropic's side; vLLM has none, so the model could not use its files"),
    COMPACTION("compaction", Disposition.REJECTED,
            "asks for a compaction block instead of an answer; a vLLM model would answer the conversation instead") {
        @Override
        boolean asksForSomething(JsonNode value) {
            return true;
        }
    },
    CONTEXT_MANAGEMENT("context_management", Disposition.REJECTED,
            "server-side editing of the conversation (clear_tool_uses_*, compact_*) would change what the model"
                    + " sees; only clear_thinking_* edits are accepted and dropped: earlier turns' thinking is at most"
                    + " replayed as reasoning, which chat templates drop from earlier turns") {
        /** Claude Code sends {@code {"edits":[{"type":"clear_thinking_20251015","keep":"all"}]}} on every turn. */
        @Override
        boolean asksForSomething(JsonNode value) {
            if (!value.isObject()) {
                return true;
            }
            JsonNode edits = value.get("edits");
            if (edits == null || edits.isNull()) {
                return value.size() > 0;
            }
            if (!edits.isArray()) {
                return true;
            }
            for (JsonNode e : edits) {
                if (!e.path("type").asText("").startsWith("clear_thinking_")) {
                    return true;
                }
            }
            return value.size() > 1;
        }
    };

    /** What the translator does with a field. */
    public enum Disposition { MAPPED, DROPPED, REJECTED }

    private static final Map<String, RequestFieldPolicy> BY_FIELD = new HashMap<>();

    static {
        for (RequestFieldPolicy p : values()) {
            BY_FIELD.put(p.field, p);
        }
    }

    private final String field;
    private final Disposition disposition;
    private final String how;

    RequestFieldPolicy(String field, Disposition disposition, String how) {
        this.field = field;
        this.disposition = disposition;
        this.how = how;
    }

    public String field() {
        return field;
    }

    public Disposition disposition() {
        return disposition;
    }

    /** How it is mapped, or why it is dropped or rejected. */
    public String how() {
        return how;
    }

    /** The entry for a top-level field name, or null when Tolk does not know the field. */
    public static RequestFieldPolicy of(String field) {
        return BY_FIELD.get(field);
    }

    /** Whether a rejected field's non-null value asks the server to do something (an empty list or object does not). */
    boolean asksForSomething(JsonNode value) {
        return !(value.isContainerNode() && value.isEmpty());
    }

    /**
     * Checks the top-level fields of a request body: one map lookup per field. Throws the 400 of a rejected field
     * (only when {@code rejecting}); returns the names Tolk does not know, in body order (an empty immutable list
     * when there are none, which is the ordinary case).
     */
    static List<String> check(ObjectNode body, boolean rejecting) throws AnthropicException {
        List<String> unknown = List.of();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            RequestFieldPolicy p = BY_FIELD.get(e.getKey());
            if (p == null) {
                if (unknown.isEmpty()) {
                    unknown = new ArrayList<>(2);
                }
                unknown.add(e.getKey());
            } else if (rejecting && p.disposition == Disposition.REJECTED && !e.getValue().isNull()
                    && p.asksForSomething(e.getValue())) {
                throw AnthropicException.invalidRequest(p.field + ": not supported by Tolk: " + p.how
                        + ". Remove the field to send the request.");
            }
        }
        return unknown.isEmpty() ? unknown : List.copyOf(unknown);
    }
}
