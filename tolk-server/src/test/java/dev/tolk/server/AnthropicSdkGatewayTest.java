package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.models.ModelInfo;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.RequestLog;
import dev.tolk.sim.SimOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official Anthropic Java SDK against Tolk against the vLLM simulator, over real HTTP. */
class AnthropicSdkGatewayTest {
    static GatewayFixture f;
    static AnthropicClient client;

    @BeforeAll
    static void start() {
        f = new GatewayFixture();
        client = f.client();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.sim.reset();
    }

    static MessageCreateParams.Builder params(String prompt) {
        return MessageCreateParams.builder().model("claude-opus-5-5").maxTokens(128000).addUserMessage(prompt);
    }

    static Tool bash() {
        return Tool.builder().name("Bash").description("Run a command")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of("command", Map.of("type", "string"))))
                        .required(List.of("command")).build())
                .build();
    }

    static Message stream(AnthropicClient c, MessageCreateParams p) {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = c.messages().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        return acc.message();
    }

    @Test
    void nonStreamingTextEchoesTheClientsModel() {
        f.sim.loadScenario("rules: [{match: {lastUserText: hello}, reply: {text: 'Hi from vLLM'}}]");
        Message m = client.messages().create(params("hello").build());
        assertThat(m.content().get(0).asText().text()).isEqualTo("Hi from vLLM");
        assertThat(m.model().asString()).isEqualTo("claude-opus-5-5");
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.usage().outputTokens()).isPositive();
    }

    @Test
    void streamingTextIsAccumulatedByTheSdk() {
        f.sim.loadScenario("rules: [{match: {lastUserText: hello}, reply: {text: 'Streaming works fine', chunks: 5}}]");
        Message m = stream(client, params("hello").build());
        assertThat(m.content().get(0).asText().text()).isEqualTo("Streaming works fine");
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void aToolRoundTrip() {
        f.sim.loadScenario("""
                rules:
                  - match: {hasToolResults: false}
                    reply: {toolCalls: [{name: Bash, arguments: {command: echo gateway-ok}}]}
                  - match: {hasToolResults: true}
                    reply: {text: 'The command printed gateway-ok'}
                """);
        MessageCreateParams first = params("run echo").addTool(bash()).build();
        Message m1 = stream(client, first);
        assertThat(m1.stopReason()).contains(StopReason.TOOL_USE);
        var use = m1.content().get(0).asToolUse();
        assertThat(use.name()).isEqualTo("Bash");
        assertThat(use._input().toString()).contains("echo gateway-ok");

        MessageCreateParams second = params("run echo").addTool(bash()).addMessage(m1)
                .addUserMessageOfContentBlockParams(List.of(com.anthropic.models.messages.ContentBlockParam.ofToolResult(
                        com.anthropic.models.messages.ToolResultBlockParam.builder().toolUseId(use.id())
                                .content("gateway-ok").build())))
                .build();
        Message m2 = client.messages().create(second);
        assertThat(m2.content().get(0).asText().text()).contains("gateway-ok");
        RequestLog.Entry last = f.sim.requests(1).get(0);
        assertThat(last.body().toString()).contains("\"role\":\"tool\"").contains(use.id());
    }

    @Test
    void parallelToolCallsBecomeTwoToolUseBlocks() {
        f.sim.loadScenario("rules: [{reply: {toolCalls: [{name: Bash, arguments: {command: ls}}, "
                + "{name: Bash, arguments: {command: pwd}}]}}]");
        Message m = stream(client, params("two").addTool(bash()).build());
        assertThat(m.content()).hasSize(2).allMatch(b -> b.isToolUse());
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    }

    @Test
    void thinkingComesBackAsAThinkingBlock() {
        f.sim.loadScenario("rules: [{reply: {reasoning: 'Let me think about it', text: 'Answer'}}]");
        Message m = stream(client, params("think").enabledThinking(1024).build());
        assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("Let me think about it");
        assertThat(m.content().get(1).asText().text()).isEqualTo("Answer");
        assertThat(f.sim.requests(1).get(0).body().at("/chat_template_kwargs/enable_thinking").asBoolean()).isTrue();
    }

    @Test
    void countTokensIsTheUpstreamsExactCount() throws Exception {
        long n = client.messages().countTokens(MessageCountTokensParams.builder().model("claude-opus-5-5")
                .addUserMessage("how many tokens is this?").addTool(bash()).build()).inputTokens();
        RequestLog.Entry tokenize = f.sim.requests(1).get(0);
        assertThat(tokenize.path()).isEqualTo("/tokenize");
        var direct = f.http.send(java.net.http.HttpRequest.newBuilder(f.sim.baseUri().resolve("/tokenize"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(tokenize.body().toString())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(direct.body()).contains("\"count\":" + n + ",");
        assertThat(n).isGreaterThan(10);
    }

    @Test
    void modelsListShowsTheServedModelWithItsWindow() {
        Iterator<ModelInfo> it = client.models().list().autoPager().iterator();
        ModelInfo m = it.next();
        assertThat(m.id()).isEqualTo("qwen3-sim");
        assertThat(m.maxInputTokens()).contains(32768L);
        assertThat(client.models().retrieve("qwen3-sim").id()).isEqualTo("qwen3-sim");
        assertThatThrownBy(() -> client.models().retrieve("nope")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aClientMistakeIsA400() {
        assertThatThrownBy(() -> client.messages().create(MessageCreateParams.builder().model("x").maxTokens(10)
                .messages(List.of()).build()))
                .isInstanceOf(BadRequestException.class);
    }

    @Test
    void aRateLimitedUpstreamIsA429WithRetryAfter() throws Exception {
        f.sim.loadScenario("rules: [{reply: {error: {status: 429, message: 'slow down', retryAfter: 3}}}]");
        assertThatThrownBy(() -> client.messages().create(params("x").build()))
                .isInstanceOf(RateLimitException.class)
                .satisfies(e -> assertThat(((RateLimitException) e).headers().values("retry-after")).contains("3"));
    }

    @Test
    void anOverloadedUpstreamIsA529() {
        f.sim.loadScenario("rules: [{reply: {error: {status: 503, message: 'busy'}}}]");
        assertThatThrownBy(() -> client.messages().create(params("x").build()))
                .isInstanceOf(AnthropicServiceException.class)
                .satisfies(e -> assertThat(((AnthropicServiceException) e).statusCode()).isEqualTo(529));
    }

    @Test
    void aMidStreamUpstreamErrorArrivesAsAnErrorEvent() {
        f.sim.loadScenario("rules: [{reply: {text: 'partial answer here', chunks: 4, "
                + "error: {midStream: true, afterChunks: 2, code: 500, message: 'engine failed'}}}]");
        assertThatThrownBy(() -> stream(client, params("x").build()))
                .isInstanceOf(AnthropicServiceException.class).hasMessageContaining("engine failed");
    }

    @Test
    void closingTheStreamMidWayAbortsTheUpstreamRequest() {
        // the upstream would stream for 10 s; the abort typically reaches it within ~100 ms, the bound allows a slow box
        f.sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(200) + "', chunks: 200, chunkDelayMs: 50}}]");
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("long").build())) {
            Iterator<RawMessageStreamEvent> it = s.stream().iterator();
            for (int i = 0; i < 5; i++) {
                it.next();
            }
        }
        await().atMost(Duration.ofSeconds(8)).until(() -> f.sim.stats().aborted() == 1 && f.sim.stats().active() == 0);
        assertThat(f.sim.stats().completed()).isZero();
    }

    @Test
    void closingTheStreamDuringPrefillAbortsWithinAPingInterval() {
        f.sim.loadScenario("rules: [{reply: {text: 'late', fault: {type: stall, afterChunks: 1, seconds: 30}}}]");
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("slow").build())) {
            s.stream().iterator().next(); // message_start arrives as soon as the upstream answered 200
        }
        await().atMost(Duration.ofSeconds(8)).until(() -> f.sim.stats().aborted() == 1); // the stall lasts 30 s
    }

    @Test
    void aClientThatHangsUpDuringANonStreamingRequestAbortsTheUpstream() throws Exception {
        var body = "{\"model\":\"claude-opus-5-5\",\"max_tokens\":100,\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        // a slow prefill (2 s per prompt token) keeps the non-streaming upstream request open
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().prefillMicrosPerToken(2_000_000).build(), c -> c)) {
            var future = g.http.sendAsync(java.net.http.HttpRequest.newBuilder(g.tolk.baseUri().resolve("/v1/messages"))
                    .header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5)).until(() -> g.sim.stats().active() == 1);
            future.cancel(true);
            g.http.shutdownNow();
            await().atMost(Duration.ofSeconds(8)).until(() -> g.sim.stats().aborted() == 1);
        }
    }

    @Test
    void theClientsCredentialsNeverReachTheUpstream() {
        client.messages().create(params("secret test").build());
        RequestLog.Entry e = f.sim.requests(1).get(0);
        assertThat(e.headers()).doesNotContainKey("x-api-key");
        assertThat(e.headers()).doesNotContainKey("authorization");
        assertThat(e.headers().toString()).doesNotContain("test-key");
        assertThat(e.headers()).containsKey("x-request-id");
    }

    @Test
    void aMaxTokensOf128kOnA32kModelIsClampedAndSucceeds() {
        Message m = client.messages().create(params("hello").maxTokens(128000).build());
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        int sent = f.sim.requests(1).get(0).body().get("max_tokens").asInt();
        assertThat(sent).isLessThan(32768).isPositive();
    }

    @Test
    void aPromptLargerThanTheWindowIsPromptIsTooLong() {
        String huge = "lorem ipsum dolor sit amet ".repeat(9000);
        assertThatThrownBy(() -> client.messages().create(params(huge).build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageMatching("(?s).*prompt is too long: \\d+ tokens > 32768 maximum.*");
    }

    @Test
    void aWrongGatewayKeyIs401BeforeAnyUpstreamCall() {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c.withApiKeys(List.of("right-key")))) {
            assertThatThrownBy(() -> g.client("wrong-key").messages().create(params("x").build()))
                    .isInstanceOf(UnauthorizedException.class);
            assertThat(g.sim.stats().requests()).isZero();
            assertThat(g.client("right-key").messages().create(params("x").build()).content()).isNotEmpty();
        }
    }

    @Test
    void anUnreachableUpstreamIs529() {
        try (TolkServer t = TolkServer.start(GatewayConfig.defaults(URI.create("http://127.0.0.1:1")).withPort(0))) {
            AnthropicClient c = com.anthropic.client.okhttp.AnthropicOkHttpClient.builder()
                    .baseUrl(t.baseUri().toString()).apiKey("k").maxRetries(0).build();
            assertThatThrownBy(() -> c.messages().create(params("x").build()))
                    .isInstanceOf(AnthropicServiceException.class)
                    .satisfies(e -> assertThat(((AnthropicServiceException) e).statusCode()).isEqualTo(529));
        }
    }
}
