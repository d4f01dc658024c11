package dev.tolk.core.translate.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.ContentBlockParam;
import dev.tolk.core.anthropic.request.MessageParam;
import dev.tolk.core.json.Json;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.ContentPart;
import dev.tolk.core.openai.request.ToolCall;
import dev.tolk.core.translate.PdfPolicy;
import dev.tolk.core.translate.TranslationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code messages} → Chat Completions {@code messages} (protocol.md §C.2), producing a conversation every vLLM
 * chat template accepts: system first, strict user/assistant alternation, {@code tool} messages right after the
 * assistant message whose {@code tool_calls} they answer.
 *
 * <p>Per Anthropic message:
 * <ul>
 *   <li><b>user</b> → its {@code tool_result}s as {@code tool} messages first (even if the client put text before
 *       them), then one user message with the rest (plain string when all text, parts when images);</li>
 *   <li><b>assistant</b> → one message: text joined, {@code thinking} → {@code reasoning} (unless
 *       {@code replayThinking} is off), {@code tool_use} → {@code tool_calls} with arguments as a JSON string,
 *       {@code redacted_thinking} and server-tool blocks dropped;</li>
 *   <li><b>system</b> (mid-conversation, Claude Code ≥ 2.1.154) → per {@link dev.tolk.core.translate.InlineSystemPolicy};
 *       empty ones vanish;</li>
 *   <li>any other role → 400 {@code invalid_request_error} naming it (Anthropic rejects it too).</li>
 * </ul>
 * The {@code tool} messages follow the order of the assistant's {@code tool_calls}, whatever order the results
 * came in. Policies where history is inconsistent: an assistant tool call with no result in the next user turn gets a
 * synthesized {@code tool} message {@value #MISSING_RESULT} at its call's position (templates and vLLM's Mistral path require a
 * result for every call); a {@code tool_result} whose id matches no preceding call becomes user text
 * {@code "Tool result (id): …"}. {@code is_error:true} results are prefixed {@value #ERROR_PREFIX}. Unknown block
 * types in user turns are dropped (they stay in the wire model; a vLLM model cannot use them).
 */
final class MessagesMapping {
    static final String MISSING_RESULT = "[no result: the tool call was interrupted]";
    static final String ERROR_PREFIX = "Error: ";

    private MessagesMapping() {}

    /** Appends the translated conversation to {@code out} (which may already hold the system message). */
    static void toChat(List<MessageParam> messages, TranslationOptions options, List<ChatMessage> out)
            throws AnthropicException {
        Builder b = new Builder(options, out);
        for (int i = 0; i < messages.size(); i++) {
            MessageParam m = messages.get(i);
            switch (m.role()) {
                case "user" -> b.user(m, i);
                case "assistant" -> b.assistant(m);
                case "system" -> b.inlineSystem(m);
                default -> throw AnthropicException.invalidRequest("messages." + i + ".role: unknown role '"
                        + m.role() + "'; expected user, assistant or system");
            }
        }
        b.finish();
    }

    /** Accumulates messages, merging adjacent same-role turns as the Anthropic API does. */
    private static final class Builder {
        private final TranslationOptions options;
        private final List<ChatMessage> out;
        /** Tool call ids of the last assistant message that still await a result. */
        private final List<String> openCalls = new ArrayList<>();

        // pending user turn
        private StringBuilder userText;
        private List<ContentPart> userParts;
        // pending assistant turn
        private StringBuilder asstText;
        private StringBuilder asstReasoning;
        private List<ToolCall> asstCalls;
        private boolean asstPending;

        Builder(TranslationOptions options, List<ChatMessage> out) {
            this.options = options;
            this.out = out;
        }

        void user(MessageParam m, int index) throws AnthropicException {
            flushAssistant();
            // Results are emitted in the order of the calls, not of the blocks: clients may answer parallel calls
            // in completion order, and templates that render results without their ids (Hermes, Qwen) pair them
            // with the calls by position.
            ContentBlockParam.ToolResult[] answers = null;
            int[] answerBlocks = null;
            for (int j = 0; j < m.content().size(); j++) {
                ContentBlockParam c = m.content().get(j);
                switch (c) {
                    case ContentBlockParam.ToolResult r -> {
                        int k = unansweredCall(r.toolUseId(), answers);
                        if (k >= 0) {
                            if (answers == null) {
                                answers = new ContentBlockParam.ToolResult[openCalls.size()];
                                answerBlocks = new int[openCalls.size()];
                            }
                            answers[k] = r;
                            answerBlocks[k] = j;
                        } else {
                            addUserText("Tool result (" + r.toolUseId() + "): " + toolResultText(r, index, j));
                        }
                    }
                    case ContentBlockParam.Text t -> addUserText(t.text());
                    case ContentBlockParam.Image img -> addUserPart(new ContentPart.ImageUrl(img.toDataUrlOrUrl()));
                    case ContentBlockParam.Document d -> addUserText(documentText(d, index, j));
                    case ContentBlockParam.SearchResult s -> addUserText(searchResultText(s));
                    default -> { }
                }
            }
            List<ContentPart> relocatedImages = null;
            if (answers != null) {
                // pending user text is not in `out` yet, so the tool messages land right after the assistant's
                // calls even when the client put text first (protocol.md §C.2 rule 3)
                for (int k = 0; k < answers.length; k++) {
                    ContentBlockParam.ToolResult r = answers[k];
                    String id = openCalls.get(k);
                    if (r == null) {
                        out.add(ChatMessage.tool(id, MISSING_RESULT));
                        continue;
                    }
                    out.add(ChatMessage.tool(id, toolResultText(r, index, answerBlocks[k])));
                    for (ContentBlockParam inner : r.content()) {
                        if (inner instanceof ContentBlockParam.Image img) {
                            relocatedImages = relocatedImages == null ? new ArrayList<>() : relocatedImages;
                            relocatedImages.add(new ContentPart.ImageUrl(img.toDataUrlOrUrl()));
                        }
                    }
                }
                openCalls.clear();
            }
            closeOpenCalls();
            if (relocatedImages != null) {
                for (ContentPart p : relocatedImages) {
                    addUserPart(p);
                }
            }
        }

        /** The position of the first open call with this id that has no result yet, or -1. */
        private int unansweredCall(String toolUseId, ContentBlockParam.ToolResult[] answers) {
            for (int k = 0; k < openCalls.size(); k++) {
                if (Objects.equals(openCalls.get(k), toolUseId) && (answers == null || answers[k] == null)) {
                    return k;
                }
            }
            return -1;
        }

        void assistant(MessageParam m) {
            flushUser();
            closeOpenCalls();
            asstPending = true;
            for (ContentBlockParam c : m.content()) {
                switch (c) {
                    case ContentBlockParam.Text t -> {
                        if (!t.text().isEmpty()) {
                            asstText = append(asstText, t.text(), "");
                        }
                    }
                    case ContentBlockParam.Thinking th -> {
                        if (options.replayThinking() && !th.thinking().isEmpty()) {
                            asstReasoning = append(asstReasoning, th.thinking(), "\n\n");
                        }
                    }
                    case ContentBlockParam.ToolUse u -> {
                        asstCalls = asstCalls == null ? new ArrayList<>() : asstCalls;
                        asstCalls.add(new ToolCall(u.id(), u.name(), argumentsJson(u)));
                    }
                    default -> { }
                }
            }
        }

        void inlineSystem(MessageParam m) {
            String text = ContentTexts.join(m.content(), "\n\n");
            if (text.isBlank()) {
                return;
            }
            switch (options.inlineSystem()) {
                case FOLD_INTO_USER -> {
                    flushAssistant();
                    addUserText(text);
                }
                case KEEP_AS_SYSTEM -> {
                    flushUser();
                    flushAssistant();
                    closeOpenCalls();
                    out.add(ChatMessage.system(text));
                }
                case DROP -> { }
            }
        }

        void finish() {
            flushUser();
            flushAssistant();
        }

        private void closeOpenCalls() {
            // Calls of the previous assistant turn that got no result: vLLM templates need one per call.
            if (!openCalls.isEmpty()) {
                for (String id : openCalls) {
                    out.add(ChatMessage.tool(id, MISSING_RESULT));
                }
                openCalls.clear();
            }
        }

        private void addUserText(String text) {
            if (text.isEmpty()) {
                return;
            }
            if (userParts != null) {
                userParts.add(new ContentPart.Text(text));
            } else {
                userText = append(userText, text, "\n\n");
            }
        }

        private void addUserPart(ContentPart part) {
            if (userParts == null) {
                userParts = new ArrayList<>();
                if (userText != null) {
                    userParts.add(new ContentPart.Text(userText.toString()));
                    userText = null;
                }
            }
            userParts.add(part);
        }

        private void flushUser() {
            if (userParts != null) {
                out.add(ChatMessage.userParts(userParts));
            } else if (userText != null) {
                out.add(ChatMessage.user(userText.toString()));
            }
            userText = null;
            userParts = null;
        }

        private void flushAssistant() {
            if (!asstPending) {
                return;
            }
            asstPending = false;
            if (asstText == null && asstReasoning == null && asstCalls == null) {
                return;
            }
            out.add(ChatMessage.assistant(asstText == null ? null : asstText.toString(), asstCalls,
                    asstReasoning == null ? null : asstReasoning.toString()));
            if (asstCalls != null) {
                for (ToolCall c : asstCalls) {
                    openCalls.add(c.id());
                }
            }
            asstText = null;
            asstReasoning = null;
            asstCalls = null;
        }

        private String documentText(ContentBlockParam.Document d, int index, int j) throws AnthropicException {
            if (d.text() != null) {
                return d.title() == null ? d.text() : d.title() + "\n\n" + d.text();
            }
            if (options.pdf() == PdfPolicy.PLACEHOLDER) {
                return "[document omitted: " + (d.title() != null ? d.title() : "PDF") + " cannot be read by this model]";
            }
            throw AnthropicException.invalidRequest("messages." + index + ".content." + j
                    + ": PDF documents are not supported by this upstream model; send the text instead "
                    + "(or configure pdf: placeholder)");
        }

        private String toolResultText(ContentBlockParam.ToolResult r, int index, int j) throws AnthropicException {
            StringBuilder sb = new StringBuilder();
            for (ContentBlockParam c : r.content()) {
                String piece = switch (c) {
                    case ContentBlockParam.Text t -> t.text();
                    case ContentBlockParam.Document d -> documentText(d, index, j);
                    case ContentBlockParam.SearchResult s -> searchResultText(s);
                    case ContentBlockParam.Image img -> "[image attached below]";
                    default -> null;
                };
                if (piece != null && !piece.isEmpty()) {
                    if (!sb.isEmpty()) {
                        sb.append('\n');
                    }
                    sb.append(piece);
                }
            }
            return r.isError() ? ERROR_PREFIX + sb : sb.toString();
        }
    }

    static String searchResultText(ContentBlockParam.SearchResult s) {
        StringBuilder sb = new StringBuilder();
        if (s.source() != null) {
            sb.append("Source: ").append(s.source()).append('\n');
        }
        if (s.title() != null) {
            sb.append("Title: ").append(s.title()).append('\n');
        }
        sb.append(String.join("\n", s.texts()));
        return sb.toString();
    }

    static String argumentsJson(ContentBlockParam.ToolUse u) {
        if (u.input() == null) {
            return "{}";
        }
        try {
            return Json.MAPPER.writeValueAsString(u.input());
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }

    private static StringBuilder append(StringBuilder sb, String text, String sep) {
        if (sb == null) {
            return new StringBuilder(text);
        }
        return sb.append(sep).append(text);
    }

    /** Whether the translated conversation ends in an assistant message vLLM should continue. */
    static boolean endsWithPrefill(List<ChatMessage> out) {
        if (out.isEmpty()) {
            return false;
        }
        ChatMessage last = out.get(out.size() - 1);
        return "assistant".equals(last.role()) && !last.hasToolCalls() && last.text() != null;
    }
}
