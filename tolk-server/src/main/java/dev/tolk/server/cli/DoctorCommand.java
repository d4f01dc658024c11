package dev.tolk.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.ChatRequestWriter;
import dev.tolk.core.openai.request.FunctionTool;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import dev.tolk.core.sse.SseDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tolk doctor [--upstream URL]}: probes an OpenAI-compatible upstream and says what Claude Code needs that
 * works and what to change: reachability; models and windows; automatic tool calling (with the vLLM flags to add);
 * a reasoning parser; cached-token usage; {@code /tokenize}; time to first token and tokens per second; a window
 * large enough for Claude Code's ~20k-token system prompt and tools. Exit code 0 when Claude Code will work
 * (reachable, tools natively or through text recovery, window ≥ {@value #MIN_WINDOW}), 1 otherwise.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check an upstream (vLLM) for what Claude Code needs, and say how to fix what is missing.")
public final class DoctorCommand implements Callable<Integer> {
    static final int MIN_WINDOW = 20_000;
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    @Mixin
    GatewayOptions options;

    // built on first use: every `tolk` invocation instantiates this command, and a JDK HttpClient initializes TLS
    private HttpClient http;
    private PrintStream out = System.out;
    private URI base;
    private String key;

    @Override
    public Integer call() {
        GatewayConfig config;
        try {
            config = new ConfigLoader(System.getenv()).load(options.toFlags()).config();
        } catch (ConfigException e) {
            System.err.println("tolk: " + e.getMessage());
            return 2;
        }
        if (config.upstreamSim()) {
            System.err.println("tolk: doctor checks a real upstream; pass --upstream URL");
            return 2;
        }
        int worst = 0;
        for (var u : config.upstreams()) { // a fleet: every upstream is checked, the worst result is the exit code
            if (config.upstreams().size() > 1) {
                System.out.println("== upstream " + u.name());
            }
            worst = Math.max(worst, run(u.url(), u.apiKey(), config.defaultModel(), System.out));
        }
        return Math.max(worst, checkStore(StoreLocation.resolve(config.database(), System.getenv()), System.out));
    }

    /** The store the gateway would use: where it is (no password), whether it opens, its keys. */
    public static int checkStore(String location, PrintStream out) {
        if (StoreLocation.none(location)) {
            out.println("Store: none (--db none): no store keys, no usage ledger");
            return 0;
        }
        out.println("Store: " + dev.tolk.store.Database.describe(location));
        boolean sqlite = !location.startsWith("postgres") && !location.startsWith("jdbc:postgresql:");
        if (sqlite && !java.nio.file.Files.exists(java.nio.file.Path.of(dev.tolk.store.Database.describe(location)))) {
            out.println("  INFO  not created yet: tolk serve or tolk keys create makes it");
            return 0;
        }
        try (dev.tolk.store.Database db = dev.tolk.store.Database.open(location)) {
            var keys = new dev.tolk.store.keys.KeyRepository(db).list();
            long revoked = keys.stream().filter(dev.tolk.store.keys.StoredKey::revoked).count();
            out.println("  OK    open (" + db.kind().name().toLowerCase(java.util.Locale.ROOT) + "), "
                    + (keys.size() - revoked) + " keys" + (revoked > 0 ? " and " + revoked + " revoked" : ""));
            return 0;
        } catch (RuntimeException e) {
            out.println("  FAIL  " + e.getMessage() + " (the gateway would start without it and retry every "
                    + dev.tolk.server.store.GatewayStore.RETRY_SECONDS + " s)");
            return 1;
        }
    }

    /** Runs every check against {@code upstream}; returns the exit code. */
    public int run(URI upstream, String apiKey, String preferredModel, PrintStream printTo) {
        this.out = printTo;
        this.base = upstream;
        this.key = apiKey;
        out.println("Tolk doctor: " + upstream);
        JsonNode models;
        try {
            HttpResponse<String> r = send(get("/v1/models"));
            if (r.statusCode() == 401) {
                fail("reachable, but it wants an API key: set VLLM_API_KEY (vLLM --api-key)");
                return 1;
            }
            if (r.statusCode() != 200) {
                fail("reachable, but GET /v1/models answered HTTP " + r.statusCode() + ": is this an OpenAI-compatible server?");
                return 1;
            }
            models = Json.MAPPER.readTree(r.body()).path("data");
        } catch (Exception e) {
            fail("not reachable: " + e.getMessage() + " — is vLLM running there? (vllm serve MODEL --port …)");
            return 1;
        }
        ok("reachable");
        if (!models.isArray() || models.isEmpty()) {
            fail("serves no models");
            return 1;
        }
        String model = preferredModel != null ? preferredModel : models.get(0).path("id").asText();
        int window = 0;
        for (JsonNode m : models) {
            int len = m.path("max_model_len").asInt(0);
            out.println("    model " + m.path("id").asText() + (len > 0 ? "  max_model_len " + len : "  (window unknown)"));
            if (m.path("id").asText().equals(model)) {
                window = len;
            }
        }
        boolean good = true;
        if (window == 0) {
            warn("the window of " + model + " is not reported; set max-model-len in Tolk's config");
        } else if (window < MIN_WINDOW) {
            fail("window " + window + " is too small for Claude Code's system prompt and tools (~20k tokens): "
                    + "serve with --max-model-len 32768 or more");
            good = false;
        } else {
            ok("window " + window + " tokens fits Claude Code (~20k tokens of system prompt and tools)");
        }
        good &= checkTools(model);
        checkReasoning(model);
        checkCachedTokens(model);
        checkTokenize(model);
        checkMessagesApi(model);
        checkSpeed(model);
        checkClaudeCode(window);
        out.println(good ? "Claude Code will work through Tolk with this upstream." : "Fix the items marked FAIL above.");
        return good ? 0 : 1;
    }

    private boolean checkTools(String model) {
        ObjectNode noArguments = Json.MAPPER.createObjectNode().put("type", "object");
        noArguments.putObject("properties");
        ChatCompletionRequest body = probe(model, "What time is it? Use the tool.", 128)
                .tools(List.of(new FunctionTool("get_time", "Current time", noArguments)))
                .toolChoice("auto", false)
                .build();
        try {
            HttpResponse<String> r = send(post("/v1/chat/completions", ChatRequestWriter.toJson(body)));
            if (r.statusCode() == 400 && r.body().contains("enable-auto-tool-choice")) {
                warn("automatic tool calling is OFF: restart vLLM with --enable-auto-tool-choice --tool-call-parser "
                        + parserFor(model) + ". Until then Tolk sends tool_choice none and recovers tool calls the model "
                        + "writes as text (works for Hermes/Qwen, Qwen3-Coder, Llama and Mistral markup).");
                return true;
            }
            if (r.statusCode() != 200) {
                fail("a request with a tool failed: HTTP " + r.statusCode() + " " + abbreviate(r.body()));
                return false;
            }
            JsonNode msg = Json.MAPPER.readTree(r.body()).path("choices").path(0).path("message");
            if (msg.path("tool_calls").isArray() && !msg.path("tool_calls").isEmpty()) {
                ok("automatic tool calling works (the model called the tool)");
            } else if (msg.path("content").asText("").contains("<tool_call>") || msg.path("content").asText("").contains("[TOOL_CALLS]")) {
                warn("the model wrote its tool call as text: the --tool-call-parser does not match the model; try "
                        + parserFor(model) + ". Tolk recovers such calls meanwhile.");
            } else {
                ok("automatic tool calling is enabled (the model chose not to call the tool in this probe)");
            }
            return true;
        } catch (Exception e) {
            fail("tool probe failed: " + e.getMessage());
            return false;
        }
    }

    private void checkReasoning(String model) {
        ChatCompletionRequest body = probe(model, "2+2?", 256)
                .chatTemplateKwargs(Map.of("enable_thinking", true, "thinking", true))
                .build();
        try {
            HttpResponse<String> r = send(post("/v1/chat/completions", ChatRequestWriter.toJson(body)));
            JsonNode msg = Json.MAPPER.readTree(r.body()).path("choices").path(0).path("message");
            boolean field = !msg.path("reasoning").asText("").isEmpty() || !msg.path("reasoning_content").asText("").isEmpty();
            if (field) {
                ok("a reasoning parser is active: thinking reaches Claude Code as thinking blocks");
            } else if (msg.path("content").asText("").contains("<think>")) {
                warn("the model thinks but vLLM has no --reasoning-parser: its thinking lands in the text; add "
                        + "--reasoning-parser (e.g. qwen3, deepseek_r1, glm45)");
            } else {
                info("no reasoning returned (a non-reasoning model, or thinking is off in its template)");
            }
        } catch (Exception e) {
            warn("reasoning probe failed: " + e.getMessage());
        }
    }

    private void checkCachedTokens(String model) {
        String prompt = "Tolk prefix-cache probe. ".repeat(40);
        ChatCompletionRequest body = probe(model, prompt, 1).build();
        try {
            send(post("/v1/chat/completions", ChatRequestWriter.toJson(body)));
            HttpResponse<String> r = send(post("/v1/chat/completions", ChatRequestWriter.toJson(body)));
            JsonNode details = Json.MAPPER.readTree(r.body()).path("usage").path("prompt_tokens_details");
            if (details.has("cached_tokens")) {
                ok("cached-token usage is reported (" + details.get("cached_tokens").asInt() + " cached on a repeat)");
            } else {
                warn("cached tokens are not reported: add --enable-prompt-tokens-details (Claude Code shows cache reads)");
            }
        } catch (Exception e) {
            warn("cache probe failed: " + e.getMessage());
        }
    }

    private void checkTokenize(String model) {
        try {
            HttpResponse<String> r = send(post("/tokenize", ChatRequestWriter.toTokenizeJson(probe(model, "hello", 1).build())));
            if (r.statusCode() == 200) {
                ok("/tokenize exists: count_tokens answers are exact");
            } else {
                warn("/tokenize is missing (HTTP " + r.statusCode() + "): count_tokens answers are estimates");
            }
        } catch (Exception e) {
            warn("/tokenize probe failed: " + e.getMessage());
        }
    }

    /** Whether the upstream serves Anthropic's {@code /v1/messages} itself (then it may be a {@code protocol: anthropic} upstream). */
    private void checkMessagesApi(String model) {
        byte[] body = ("{\"model\":" + Json.MAPPER.valueToTree(model) + ",\"max_tokens\":1,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            HttpResponse<String> r = send(post("/v1/messages", body));
            if (r.statusCode() == 200) {
                info("serves Anthropic's /v1/messages: it can also be a 'protocol: anthropic' upstream (passed through "
                        + "untranslated, docs/fleet.md)");
            } else {
                info("no Anthropic /v1/messages (HTTP " + r.statusCode() + "): Tolk translates to Chat Completions");
            }
        } catch (Exception e) {
            info("/v1/messages probe failed: " + e.getMessage());
        }
    }

    private void checkSpeed(String model) {
        ChatCompletionRequest body = probe(model, "Count from one to twenty in words.", 64).stream(true).build();
        try {
            long start = System.nanoTime();
            HttpResponse<InputStream> r = http().send(post("/v1/chat/completions", ChatRequestWriter.toJson(body)),
                    HttpResponse.BodyHandlers.ofInputStream());
            long[] firstAndCompletion = {-1, 0};
            SseDecoder sse = new SseDecoder((buf, off, len) -> {
                ChatChunk c = chunk(buf, off, len);
                if (c == null) {
                    return;
                }
                if (firstAndCompletion[0] < 0 && c.content() != null && !c.content().isEmpty()) {
                    firstAndCompletion[0] = System.nanoTime();
                }
                if (c.usage() != null) {
                    firstAndCompletion[1] = c.usage().completionTokens();
                }
            });
            try (InputStream in = r.body()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sse.feed(buf, 0, n);
                }
                sse.finish();
            }
            long first = firstAndCompletion[0];
            long completion = firstAndCompletion[1];
            long end = System.nanoTime();
            if (first < 0) {
                first = end;
            }
            double ttft = (first - start) / 1e6;
            double tps = end > first && completion > 1 ? (completion - 1) / ((end - first) / 1e9) : 0;
            info(String.format(Locale.ROOT, "time to first token %.0f ms, %.0f tokens/s on a short prompt", ttft, tps));
        } catch (Exception e) {
            warn("speed probe failed: " + e.getMessage());
        }
    }

    static String parserFor(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        if (m.contains("coder") && m.contains("qwen3")) {
            return "qwen3_coder";
        }
        if (m.contains("qwen")) {
            return "hermes";
        }
        if (m.contains("llama")) {
            return "llama3_json";
        }
        if (m.contains("mistral") || m.contains("devstral")) {
            return "mistral";
        }
        if (m.contains("gpt-oss")) {
            return "openai";
        }
        if (m.contains("deepseek")) {
            return "deepseek_v3";
        }
        if (m.contains("glm")) {
            return "glm45";
        }
        if (m.contains("kimi")) {
            return "kimi_k2";
        }
        return "<the parser for your model, see vLLM's tool calling docs>";
    }

    private HttpRequest get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return b.build();
    }

    /** A one-message chat request for a probe, built with the same writer the gateway uses. */
    private static ChatCompletionRequest.Builder probe(String model, String userText, int maxTokens) {
        return ChatCompletionRequest.builder(model, List.of(ChatMessage.user(userText))).maxTokens(maxTokens);
    }

    /** One streamed chunk, or null for the {@code [DONE]} sentinel and for data that is not a chunk. */
    private static ChatChunk chunk(byte[] buf, int off, int len) {
        if (len == DONE.length && Arrays.equals(buf, off, off + len, DONE, 0, DONE.length)) {
            return null;
        }
        try {
            return ChatChunkParser.parse(buf, off, len);
        } catch (IOException e) {
            return null;
        }
    }

    private HttpRequest post(String path, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return b.build();
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http().send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** The Claude Code CLI on PATH: its version, what that version lacks, and what to set when running it directly. */
    private void checkClaudeCode(int window) {
        java.nio.file.Path bin = CodeCommand.onPath(System.getenv("PATH"));
        if (bin == null) {
            info("Claude Code is not on PATH (npm i -g @anthropic-ai/claude-code@" + ClaudeCodeVersion.NEWEST_TESTED
                    + "); tolk code runs it");
            return;
        }
        for (String line : claudeCodeAdvice(ClaudeCodeVersion.of(bin), window > 0 ? window : null)) {
            out.println(line);
        }
    }

    /** The doctor's lines about a Claude Code version (null: {@code claude --version} failed) and a model window. */
    static java.util.List<String> claudeCodeAdvice(ClaudeCodeVersion v, Integer window) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        String range = ClaudeCodeVersion.OLDEST_TESTED + " – " + ClaudeCodeVersion.NEWEST_TESTED;
        if (v == null) {
            lines.add("  WARN  claude is on PATH but 'claude --version' failed; Tolk is tested with " + range);
        } else if (v.compareTo(ClaudeCodeVersion.OLDEST_TESTED) < 0) {
            lines.add("  WARN  Claude Code " + v + " is older than Tolk's tested range (" + range + "): it does not"
                    + " read CLAUDE_CODE_AUTO_COMPACT_WINDOW, may ask for thinking only on \"ultrathink\", does not"
                    + " retry without streaming after a mid-stream error and does not compact on \"prompt is too"
                    + " long\"; update: npm i -g @anthropic-ai/claude-code@" + ClaudeCodeVersion.NEWEST_TESTED);
        } else if (v.compareTo(ClaudeCodeVersion.NEWEST_TESTED) > 0) {
            lines.add("  INFO  Claude Code " + v + " is newer than Tolk's tested range (" + range + ")");
        } else if (!v.compactsReactively()) {
            boolean ahead = window != null && CodeCommand.acceptsAutoCompactWindow(v, window);
            lines.add("  WARN  Claude Code " + v + " (tested range " + range + ") does not compact on \"prompt is too"
                    + " long\" (2.1.300 and later do): " + (ahead
                    ? "it compacts ahead of the window only through CLAUDE_CODE_AUTO_COMPACT_WINDOW (below)"
                    : "a session that outgrows the model's window stops there (its auto-compact minimum is 100k)"));
        } else {
            lines.add("  OK    Claude Code " + v + " (tested range " + range + ")");
        }
        StringBuilder env = new StringBuilder("ANTHROPIC_BASE_URL=http://<tolk host:port> ANTHROPIC_AUTH_TOKEN=<key or"
                + " anything> CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1");
        CodeCommand.windowSettings(window, v).forEach((k, val) -> env.append(' ').append(k).append('=').append(val));
        lines.add("  INFO  to run claude yourself (tolk code sets this): " + env);
        String note = CodeCommand.compactionNote(v, window, java.util.Map.of());
        if (note != null && (v == null || v.compactsReactively())) {
            lines.add("  INFO  " + note);
        }
        return lines;
    }

    private void ok(String s) {
        out.println("  OK    " + s);
    }

    private void warn(String s) {
        out.println("  WARN  " + s);
    }

    private void fail(String s) {
        out.println("  FAIL  " + s);
    }

    private void info(String s) {
        out.println("  INFO  " + s);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        return http;
    }
}
