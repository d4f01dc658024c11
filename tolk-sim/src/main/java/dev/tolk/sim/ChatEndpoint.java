package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.sim.VllmErrors.Failure;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /v1/chat/completions}: validates like vLLM, picks the answer (scenario rule or default), and plans
 * the exact bytes to send. The transport ({@link SimHandler}) writes the plan, with delays and faults.
 */
final class ChatEndpoint {
    private final SimOptions options;
    private final AtomicInteger position = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    volatile Scenario scenario = Scenario.empty();

    ChatEndpoint(SimOptions options) {
        this.options = options;
    }

    void reset() {
        position.set(0);
        ids.set(0);
        scenario = Scenario.empty();
    }

    /**
     * Everything needed to answer one request. {@code cachedTokens} is null until the scheduler admitted the request
     * and looked its prompt up in the prefix cache (and stays null without prompt-tokens details).
     */
    record Plan(boolean stream, boolean includeUsage, String model, int[] promptTokenIds, Integer cachedTokens,
                int maxTokens, Answer answer, List<String> stop, String id, long created, long priority) {
        int promptTokens() {
            return promptTokenIds.length;
        }

        Plan withCachedTokens(Integer cached) {
            return new Plan(stream, includeUsage, model, promptTokenIds, cached, maxTokens, answer, stop, id, created,
                    priority);
        }
    }

    Plan plan(JsonNode req) throws Failure {
        if (!(req instanceof ObjectNode r)) {
            throw VllmErrors.badRequest("1 validation error:\n  Input should be a valid dictionary");
        }
        String model = r.hasNonNull("model") ? r.get("model").asText() : options.models().get(0);
        if (!options.models().contains(model)) {
            throw VllmErrors.notFound(model);
        }
        JsonNode messages = r.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new Failure(400, "Bad Request", "1 validation error:\n  {'type': 'missing', 'loc': ('body', 'messages'), "
                    + "'msg': 'Field required'}", "messages");
        }
        boolean stream = r.path("stream").asBoolean(false);
        JsonNode streamOptions = r.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull() && !stream) {
            throw VllmErrors.badRequest("Stream options can only be defined when `stream=True`.");
        }
        JsonNode tools = r.get("tools");
        boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
        if (tools != null && tools.isArray() && tools.isEmpty()) {
            throw VllmErrors.badRequest("`tools` must not be an empty array. Omit `tools` to use no tools.", "tools");
        }
        JsonNode choice = r.get("tool_choice");
        String choiceKind = choice == null || choice.isNull() ? (hasTools ? "auto" : "none")
                : choice.isTextual() ? choice.textValue() : "named";
        if (!"none".equals(choiceKind) && !hasTools && choice != null && !choice.isNull()) {
            throw VllmErrors.badRequest("When using `tool_choice`, `tools` must be set.");
        }
        if ("named".equals(choiceKind)) {
            String name = choice.path("function").path("name").asText();
            boolean found = false;
            for (JsonNode t : tools) {
                found |= name.equals(t.path("function").path("name").asText());
            }
            if (!found) {
                throw VllmErrors.badRequest(
                        "The tool specified in `tool_choice` does not match any of the specified `tools`");
            }
        }
        if ("auto".equals(choiceKind) && !options.toolParser()) {
            throw VllmErrors.badRequest(VllmErrors.AUTO_TOOL_CHOICE);
        }
        validateMessages(messages);

        boolean addGen = r.path("add_generation_prompt").asBoolean(true);
        int[] tokens = Tokenizer.encode(Tokenizer.render(messages, hasTools ? tools : null, addGen));
        int prompt = tokens.length;
        JsonNode mt = r.hasNonNull("max_completion_tokens") ? r.get("max_completion_tokens") : r.get("max_tokens");
        boolean maxGiven = mt != null && !mt.isNull();
        int limit = options.maxModelLen();
        int maxTokens = maxGiven ? mt.asInt() : limit - prompt;
        if (maxGiven && maxTokens < 1) {
            throw VllmErrors.badRequest("max_tokens must be at least 1, got " + maxTokens + ".", "max_tokens");
        }
        if (prompt >= limit || prompt + maxTokens > limit) {
            throw VllmErrors.contextOverflow(options.overflowWording(), limit, prompt, maxGiven ? maxTokens : null,
                    maxGiven);
        }
        String lastUser = lastUserText(messages);
        boolean toolResults = false;
        for (JsonNode m : messages) {
            toolResults |= "tool".equals(m.path("role").asText());
        }
        int pos = position.incrementAndGet();
        JsonNode reply = scenario.replyFor(new Scenario.RequestView(lastUser, toolResults, model, pos, hasTools, stream));
        String defaultText = "You said: " + truncate(lastUser == null ? "" : lastUser, 200);
        Answer answer = Answer.fromReply(reply == null ? JsonNodeFactory.instance.objectNode() : reply, defaultText,
                options.defaultChunks(), options.chunkDelayMillis());
        boolean thinkingOn = r.path("chat_template_kwargs").path("enable_thinking").asBoolean(false)
                || r.path("chat_template_kwargs").path("thinking").asBoolean(false);
        if (reply == null && thinkingOn) {
            // a reasoning model asked to think thinks, even on the default answer
            answer = new Answer("The user said: " + truncate(lastUser == null ? "" : lastUser, 80), answer.text(),
                    answer.calls(), false, null, null, null, answer.chunks(), answer.chunkDelayMillis(), "standard",
                    null, null);
        }
        if ("none".equals(choiceKind) && !answer.calls().isEmpty() && !answer.callsAsText()) {
            answer = withoutCalls(answer);
        }
        List<String> stop = new ArrayList<>();
        JsonNode s = r.get("stop");
        if (s != null && s.isTextual()) {
            stop.add(s.textValue());
        } else if (s != null && s.isArray()) {
            s.forEach(x -> stop.add(x.asText()));
        }
        boolean includeUsage = stream && streamOptions != null && streamOptions.isObject()
                && streamOptions.path("include_usage").asBoolean(true);
        String id = options.deterministic() ? "chatcmpl-sim" + ids.incrementAndGet()
                : "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = options.deterministic() ? 1730000000L : System.currentTimeMillis() / 1000;
        long priority = r.path("priority").asLong(0);
        if (priority != 0 && !options.priorityScheduling()) { // vLLM's input processor
            throw VllmErrors.badRequest("Got priority " + priority + " but Priority scheduling is not enabled.");
        }
        return new Plan(stream, includeUsage, model, tokens, null, maxTokens, answer, stop, id, created, priority);
    }

    /** vLLM json.loads every assistant tool call's arguments before rendering (protocol.md §B.2). */
    private static void validateMessages(JsonNode messages) throws Failure {
        int i = 0;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (!List.of("system", "developer", "user", "assistant", "tool").contains(role)) {
                throw VllmErrors.badRequest("1 validation error:\n  messages." + i + ".role: Input tag '" + role
                        + "' found using 'role' does not match any of the expected tags");
            }
            for (JsonNode c : m.path("tool_calls")) {
                String args = c.path("function").path("arguments").asText("");
                if (!args.isEmpty()) {
                    try {
                        JsonNode parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(args);
                        if (parsed == null || !parsed.isObject()) {
                            throw new IllegalArgumentException();
                        }
                    } catch (Exception e) {
                        throw VllmErrors.badRequest("Expecting value: tool call arguments are not valid JSON: " + args);
                    }
                }
            }
            i++;
        }
    }

    private static Answer withoutCalls(Answer a) {
        return new Answer(a.reasoning(), a.text() == null ? "" : a.text(), List.of(), false, a.finishReason(),
                a.stopReason(), a.completionTokens(), a.chunks(), a.chunkDelayMillis(), a.toolVariant(), a.error(),
                a.fault());
    }

    static String lastUserText(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if ("user".equals(m.path("role").asText())) {
                JsonNode c = m.get("content");
                if (c != null && c.isTextual()) {
                    return c.textValue();
                }
                StringBuilder sb = new StringBuilder();
                if (c != null) {
                    for (JsonNode p : c) {
                        if ("text".equals(p.path("type").asText())) {
                            sb.append(p.path("text").asText());
                        }
                    }
                }
                return sb.toString();
            }
        }
        return null;
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    /** Applies stop strings and max_tokens to the answer's text: the visible text, finish and stop reason. */
    record Outcome(String reasoning, String text, List<Answer.Call> calls, String finishReason, Object stopReason,
                   int completionTokens) {}

    Outcome outcome(Plan p) {
        Answer a = p.answer();
        String text = a.text();
        if (a.callsAsText() && !a.calls().isEmpty()) {
            text = (text == null ? "" : text) + a.callsAsHermes();
        }
        String reasoning = a.reasoning();
        if (reasoning != null && !options.reasoningParser()) {
            text = "<think>" + reasoning + "</think>" + (text == null ? "" : text);
            reasoning = null;
        }
        List<Answer.Call> calls = a.callsAsText() ? List.of() : a.calls();
        String finish = a.finishReason();
        Object stopReason = a.stopReason();
        if (text != null) {
            for (String s : p.stop()) {
                int at = s.isEmpty() ? -1 : text.indexOf(s);
                if (at >= 0) {
                    text = text.substring(0, at);
                    finish = "stop";
                    stopReason = s;
                    calls = List.of();
                }
            }
        }
        int completion = Tokenizer.count(reasoning == null ? "" : reasoning) + Tokenizer.count(text == null ? "" : text);
        for (Answer.Call c : calls) {
            completion += Tokenizer.count(c.name()) + Tokenizer.count(c.arguments()) + 4;
        }
        if (completion > p.maxTokens() && a.finishReason() == null) {
            // cut the visible text to fit max_tokens, as the engine would stop generating
            double keep = Math.max(0, (double) p.maxTokens() / Math.max(1, completion));
            if (text != null) {
                text = text.substring(0, (int) Math.floor(text.length() * keep));
            }
            calls = List.of();
            finish = "length";
            stopReason = null;
            completion = p.maxTokens();
        }
        if (a.completionTokens() != null) {
            completion = a.completionTokens();
        }
        if (finish == null) {
            finish = calls.isEmpty() ? "stop" : "tool_calls";
        }
        return new Outcome(reasoning, text, calls, finish, stopReason, completion);
    }

    /** A vLLM {@code chat.completion} body (new era: {@code tool_calls} omitted when empty). */
    byte[] completionBody(Plan p, Outcome o) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", p.id());
        root.put("object", "chat.completion");
        root.put("created", p.created());
        root.put("model", p.model());
        ArrayNode choices = root.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        if (o.text() == null || o.text().isEmpty() && !o.calls().isEmpty()) {
            msg.putNull("content");
        } else {
            msg.put("content", o.text());
        }
        msg.putNull("refusal");
        msg.putNull("annotations");
        msg.putNull("audio");
        msg.putNull("function_call");
        if (!o.calls().isEmpty()) {
            ArrayNode tc = msg.putArray("tool_calls");
            for (Answer.Call c : o.calls()) {
                ObjectNode call = tc.addObject();
                call.put("id", toolCallId());
                call.put("type", "function");
                ObjectNode f = call.putObject("function");
                f.put("name", c.name());
                f.put("arguments", c.arguments());
            }
        }
        if (o.reasoning() != null) {
            msg.put(options.reasoningField(), o.reasoning());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        if (o.stopReason() instanceof Integer i) {
            choice.put("stop_reason", i);
        } else if (o.stopReason() instanceof String s) {
            choice.put("stop_reason", s);
        } else {
            choice.putNull("stop_reason");
        }
        root.putNull("service_tier");
        root.putNull("system_fingerprint");
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", p.promptTokens());
        usage.put("total_tokens", p.promptTokens() + o.completionTokens());
        usage.put("completion_tokens", o.completionTokens());
        if (p.cachedTokens() != null) {
            usage.putObject("prompt_tokens_details").put("cached_tokens", p.cachedTokens());
        } else {
            usage.putNull("prompt_tokens_details");
        }
        root.putNull("prompt_logprobs");
        root.putNull("kv_transfer_params");
        return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    String toolCallId() {
        if (options.deterministic()) {
            return String.format(Locale.ROOT, "chatcmpl-tool-%032x", ids.incrementAndGet());
        }
        return "chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", "");
    }
}
