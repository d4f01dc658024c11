package dev.tolk.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One scenario suite through both paths — SDK → Tolk gateway → simulator, and SDK with the in-process adapter →
 * simulator — which must produce equal {@code Message}s (ids aside).
 */
class SharedScenarioSuiteTest {
    static SimServer sim;
    static TolkServer gateway;
    static AnthropicClient viaGateway;
    static AnthropicClient inProcess;

    @BeforeAll
    static void start() {
        sim = SimServer.start(SimOptions.defaults());
        gateway = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0));
        viaGateway = AnthropicOkHttpClient.builder().baseUrl(gateway.baseUri().toString()).apiKey("k").maxRetries(0).build();
        inProcess = TolkAnthropic.builder().upstream(sim.baseUri().toString()).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        inProcess.close();
        gateway.close();
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static Tool bash() {
        return Tool.builder().name("Bash").inputSchema(Tool.InputSchema.builder()
                .properties(JsonValue.from(Map.of("command", Map.of("type", "string")))).build()).build();
    }

    record Scenario(String name, String script, Function<MessageCreateParams.Builder, MessageCreateParams.Builder> params) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> scenarios() {
        List<Scenario> all = List.of(
                new Scenario("text", "rules: [{reply: {text: 'Plain answer', chunks: 3}}]", b -> b),
                new Scenario("tool", "rules: [{reply: {toolCalls: [{name: Bash, arguments: {command: ls}}]}}]",
                        b -> b.addTool(bash())),
                new Scenario("parallel tools", "rules: [{reply: {text: 'Running', toolCalls: [{name: Bash, arguments: {command: ls}},"
                        + " {name: Bash, arguments: {command: pwd}}]}}]", b -> b.addTool(bash())),
                new Scenario("thinking", "rules: [{reply: {reasoning: 'Thinking hard', text: 'Done'}}]",
                        b -> b.enabledThinking(1024)),
                new Scenario("stop sequence", "rules: [{reply: {text: 'one two END three'}}]",
                        b -> b.addStopSequence("END")),
                new Scenario("max tokens", "rules: [{reply: {text: 'cut short', finishReason: length}}]", b -> b));
        return all.stream().flatMap(s -> Stream.of(Arguments.of(s, false), Arguments.of(s, true)));
    }

    static Message run(AnthropicClient c, MessageCreateParams p, boolean stream) {
        if (!stream) {
            return c.messages().create(p);
        }
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = c.messages().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        return acc.message();
    }

    /** The message as JSON with the per-request ids removed. */
    static JsonNode comparable(Message m) {
        ObjectNode n = ObjectMappers.jsonMapper().valueToTree(m);
        n.remove("id");
        for (JsonNode b : n.get("content")) {
            ((ObjectNode) b).remove("id");
        }
        return n;
    }

    @ParameterizedTest(name = "{0}, stream={1}")
    @MethodSource("scenarios")
    void bothPathsProduceTheSameMessage(Scenario s, boolean stream) {
        MessageCreateParams p = s.params().apply(MessageCreateParams.builder().model("claude-sonnet-4-5")
                .maxTokens(2000).addUserMessage("go")).build();
        sim.loadScenario(s.script());
        Message a = run(viaGateway, p, stream);
        sim.reset(); // also empties the prefix cache, so both paths see the same cached-token count
        sim.loadScenario(s.script());
        Message b = run(inProcess, p, stream);
        assertThat(comparable(b)).isEqualTo(comparable(a));
        assertThat(b.id()).startsWith("msg_");
    }

    @ParameterizedTest(name = "status {0}")
    @MethodSource("errors")
    void bothPathsRaiseTheSameSdkException(int upstreamStatus, int expectedStatus) {
        String script = "rules: [{reply: {error: {status: " + upstreamStatus + ", message: 'scripted failure'}}}]";
        MessageCreateParams p = MessageCreateParams.builder().model("x").maxTokens(10).addUserMessage("go").build();
        sim.loadScenario(script);
        Throwable a = org.assertj.core.api.Assertions.catchThrowable(() -> viaGateway.messages().create(p));
        sim.loadScenario(script);
        Throwable b = org.assertj.core.api.Assertions.catchThrowable(() -> inProcess.messages().create(p));
        assertThat(b).isInstanceOf(a.getClass()).isInstanceOf(AnthropicServiceException.class);
        assertThat(((AnthropicServiceException) b).statusCode()).isEqualTo(expectedStatus)
                .isEqualTo(((AnthropicServiceException) a).statusCode());
        assertThat(b.getMessage()).contains("scripted failure");
    }

    static Stream<Arguments> errors() {
        return Stream.of(Arguments.of(400, 400), Arguments.of(429, 429), Arguments.of(500, 500), Arguments.of(503, 529));
    }

    @Test
    void bothPathsReportTheSameUsage() {
        sim.loadScenario("rules: [{reply: {text: 'usage check'}}]");
        MessageCreateParams p = MessageCreateParams.builder().model("m").maxTokens(100).addUserMessage("count").build();
        Message a = viaGateway.messages().create(p);
        sim.reset();
        sim.loadScenario("rules: [{reply: {text: 'usage check'}}]");
        Message b = inProcess.messages().create(p);
        assertThat(b.usage()).isEqualTo(a.usage());
    }

    @Test
    void closingTheStreamMidWayAbortsTheUpstreamRequest() {
        // 200 chunks 50 ms apart: the upstream would stream for 10 s, so a stream that ends before that was aborted.
        // Typically the simulator sees the abort within 2 chunks (~40-100 ms); the generous bound keeps a loaded CI
        // machine (seen: 3 s with load average 12 on 2 cores) from failing a test whose point is that it happens.
        sim.loadScenario("rules: [{reply: {text: '" + "token ".repeat(200) + "', chunks: 200, chunkDelayMs: 50}}]");
        MessageCreateParams p = MessageCreateParams.builder().model("m").maxTokens(2000).addUserMessage("long").build();
        try (StreamResponse<RawMessageStreamEvent> s = inProcess.messages().createStreaming(p)) {
            Iterator<RawMessageStreamEvent> it = s.stream().iterator();
            for (int i = 0; i < 5; i++) {
                it.next();
            }
        }
        await().atMost(Duration.ofSeconds(8)).until(() -> sim.stats().aborted() >= 1 && sim.stats().active() == 0);
        assertThat(sim.stats().completed()).isZero();
        assertThat(sim.stats().aborted()).isEqualTo(1);
    }

    @Test
    void countTokensAndModelsMatchTheGateway() {
        MessageCountTokensParams p = MessageCountTokensParams.builder().model("m").addUserMessage("how many?")
                .addTool(bash()).build();
        assertThat(inProcess.messages().countTokens(p).inputTokens())
                .isEqualTo(viaGateway.messages().countTokens(p).inputTokens());
        assertThat(inProcess.models().list().data().get(0).id()).isEqualTo("qwen3-sim");
        assertThat(inProcess.models().retrieve("qwen3-sim").maxInputTokens()).contains(32768L);
    }

    @Test
    void theAsyncClientWorksToo() throws Exception {
        sim.loadScenario("rules: [{reply: {text: 'async answer'}}]");
        var async = TolkAnthropic.builder().upstream(sim.baseUri().toString()).buildAsync();
        Message m = async.messages().create(MessageCreateParams.builder().model("m").maxTokens(50)
                .addUserMessage("hi").build()).get();
        assertThat(m.content().get(0).asText().text()).isEqualTo("async answer");
        async.close();
    }

    @Test
    void anUnsupportedEndpointFailsWithAClearException() {
        assertThatThrownBy(() -> inProcess.messages().batches().create(BatchCreateParams.builder()
                .addRequest(BatchCreateParams.Request.builder().customId("a").params(BatchCreateParams.Request.Params
                        .builder().model("m").maxTokens(5).addUserMessage("x").build()).build()).build()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("does not support POST /v1/messages/batches");
    }
}
