package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway's HTTP surface: routes, limits, request ids, hygiene; every recorded Claude Code request goes through. */
class GatewayHttpTest {
    static GatewayFixture f;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        f = new GatewayFixture(SimOptions.builder().maxModelLen(131072).build(), c -> c);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    static Stream<dev.tolk.core.support.Fixtures.Recorded> fixtures() {
        return dev.tolk.core.support.Fixtures.messages().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyRecordedClaudeCodeRequestIsAnsweredThroughTheGateway(dev.tolk.core.support.Fixtures.Recorded r)
            throws Exception {
        HttpResponse<String> resp = f.post("/v1/messages?beta=true", new String(r.body(), java.nio.charset.StandardCharsets.UTF_8),
                "anthropic-version", "2023-06-01", "anthropic-beta", "claude-code-20250219,some-future-beta-2099-01-01");
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        assertThat(resp.headers().firstValue("request-id")).get().asString().startsWith("req_");
        if (JSON.readTree(r.body()).path("stream").asBoolean(false)) {
            assertThat(resp.body()).startsWith("event: message_start").contains("event: message_stop");
        } else {
            assertThat(JSON.readTree(resp.body()).get("type").asText()).isEqualTo("message");
        }
    }

    @Test
    void malformedJsonIsA400WithRequestIdInBodyAndHeader() throws Exception {
        HttpResponse<String> r = f.post("/v1/messages", "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        String id = r.headers().firstValue("request-id").orElseThrow();
        assertThat(r.body()).contains("\"type\":\"invalid_request_error\"").contains("\"request_id\":\"" + id + "\"");
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        try (GatewayFixture small = new GatewayFixture(SimOptions.defaults(), c -> c.withMaxBodyBytes(1000))) {
            HttpResponse<String> r = small.post("/v1/messages", "{\"pad\":\"" + "x".repeat(5000) + "\"}");
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).contains("request_too_large");
            assertThat(small.sim.stats().requests()).isZero();
        }
    }

    @Test
    void unknownRoutesAndWrongMethodsAreAnthropicShaped() throws Exception {
        HttpResponse<String> notFound = f.get("/v1/nothing");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).contains("not_found_error");
        HttpResponse<String> wrong = f.get("/v1/messages");
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.body()).contains("\"type\":\"error\"");
    }

    @Test
    void healthReadyAndMetricsAnswer() throws Exception {
        assertThat(f.get("/health").statusCode()).isEqualTo(200);
        assertThat(f.get("/ready").statusCode()).isEqualTo(200);
        f.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        String metrics = f.get("/metrics").body();
        assertThat(metrics).contains("tolk_requests_total").contains("tolk_active_streams")
                .contains("tolk_request_duration_seconds").contains("tolk_tokens");
    }

    @Test
    void readyIs529WhenTheUpstreamIsDown() throws Exception {
        try (TolkServer t = TolkServer.start(GatewayConfig.defaults(URI.create("http://127.0.0.1:1")).withPort(0))) {
            var r = f.http.send(java.net.http.HttpRequest.newBuilder(t.baseUri().resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(529);
        }
    }

    @Test
    void modelsPaginate() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().models(List.of("a", "b", "c")).build(), c -> c)) {
            var page = JSON.readTree(g.get("/v1/models?limit=2").body());
            assertThat(page.get("data")).hasSize(2);
            assertThat(page.get("has_more").asBoolean()).isTrue();
            assertThat(page.get("last_id").asText()).isEqualTo("b");
            var next = JSON.readTree(g.get("/v1/models?limit=2&after_id=b").body());
            assertThat(next.get("first_id").asText()).isEqualTo("c");
            assertThat(next.get("has_more").asBoolean()).isFalse();
            assertThat(g.get("/v1/models?limit=0").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void modelRoutesSendNamesToTheirUpstreamModelAndEchoTheClientsName() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().models(List.of("big", "small")).build(),
                c -> c.withRoutes(List.of(new dev.tolk.core.translate.models.ModelRoute("*haiku*", "small"))))) {
            var r = g.post("/v1/messages", "{\"model\":\"claude-haiku-5-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(JSON.readTree(r.body()).get("model").asText()).isEqualTo("claude-haiku-5-5");
            assertThat(g.sim.requests(1).get(0).body().get("model").asText()).isEqualTo("small");
            g.post("/v1/messages", "{\"model\":\"claude-opus-5-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(g.sim.requests(1).get(0).body().get("model").asText()).isEqualTo("big");
            g.post("/v1/messages", "{\"model\":\"small\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(g.sim.requests(1).get(0).body().get("model").asText()).isEqualTo("small");
        }
    }

    @Test
    void parallelToolResultsReachTheUpstreamInTheOrderOfTheCalls() throws Exception {
        // Claude Code 2.1.332 returned the second of two parallel Bash calls' results first
        try (GatewayFixture g = new GatewayFixture()) {
            String body = ("{'model':'claude-opus-5-5','max_tokens':20,'stream':true,'messages':["
                    + "{'role':'user','content':'list and date'},"
                    + "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_ls','name':'Bash','input':{'command':'ls'}},"
                    + "{'type':'tool_use','id':'toolu_date','name':'Bash','input':{'command':'date'}}]},"
                    + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_date','content':'Sun Dec 6'},"
                    + "{'type':'tool_result','tool_use_id':'toolu_ls','content':'README.md'}]}],"
                    + "'tools':[{'name':'Bash','input_schema':{'type':'object'}}]}").replace('\'', '"');
            assertThat(g.post("/v1/messages", body).statusCode()).isEqualTo(200);
            var messages = g.sim.requests(1).get(0).body().get("messages");
            assertThat(messages.get(1).at("/tool_calls/0/id").asText()).isEqualTo("toolu_ls");
            assertThat(messages.get(2).get("tool_call_id").asText()).isEqualTo("toolu_ls");
            assertThat(messages.get(2).get("content").asText()).isEqualTo("README.md");
            assertThat(messages.get(3).get("tool_call_id").asText()).isEqualTo("toolu_date");
            assertThat(messages.get(3).get("content").asText()).isEqualTo("Sun Dec 6");
        }
    }

    @Test
    void unknownFieldsAndBetasAreAcceptedAndCountedAndServerSideFeaturesAreA400() throws Exception {
        try (GatewayFixture g = new GatewayFixture()) {
            String body = "{\"model\":\"m\",\"max_tokens\":5,\"future_field\":{\"on\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            for (int i = 0; i < 2; i++) {
                assertThat(g.post("/v1/messages", body, "anthropic-beta", "claude-code-20250219,future-beta-2099-01-01")
                        .statusCode()).isEqualTo(200);
            }
            assertThat(g.get("/metrics").body()).contains("tolk_ignored_fields_total{field=\"future_field\"} 2.0")
                    .contains("tolk_ignored_betas_total{beta=\"future-beta-2099-01-01\"} 2.0");
            int before = (int) g.sim.stats().requests();
            HttpResponse<String> r = g.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"mcp_servers\":"
                    + "[{\"type\":\"url\",\"url\":\"https://mcp.invalid/sse\",\"name\":\"x\"}],"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
            assertThat(JSON.readTree(r.body()).at("/error/message").asText()).startsWith("mcp_servers: ");
            assertThat(g.sim.stats().requests()).isEqualTo(before);
        }
    }

    @Test
    void headApiHelloIsA200WithNoBodyAndAnUnknownRouteIsLoggedWithItsPath() throws Exception {
        withAccessLog(() -> {
            HttpResponse<String> hello = f.http.send(java.net.http.HttpRequest.newBuilder(
                    URI.create(f.tolk.baseUri() + "/api/hello"))
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEmpty();
            assertThat(f.get("/nowhere/x%20y").statusCode()).isEqualTo(404); // the raw path: Jetty refuses control characters
        }, lines -> assertThat(lines)
                .anySatisfy(l -> assertThat(l).contains("route=/api/hello status=200"))
                .anySatisfy(l -> assertThat(l).contains("route=other status=404")
                        .endsWith("note=path=/nowhere/x%20y")));
    }

    @Test
    void theAccessLineNamesClaudeCodesSession() throws Exception {
        String body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        withAccessLog(() -> {
            assertThat(f.post("/v1/messages", body, "x-claude-code-session-id", "3f2a-session").statusCode())
                    .isEqualTo(200);
            assertThat(f.post("/v1/messages", body).statusCode()).isEqualTo(200);
        }, lines -> assertThat(lines)
                .anySatisfy(l -> assertThat(l).contains("route=/v1/messages status=200")
                        .contains(" session=3f2a-session"))
                .anySatisfy(l -> assertThat(l).contains("route=/v1/messages status=200")
                        .doesNotContain("session=")));
    }

    @Test
    void everyEndedRequestReachesTheListenersWithItsKeySessionUpstreamAndUsage() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c.withApiKeys(List.of("k-one", "k-two")))) {
            var seen = new java.util.concurrent.LinkedBlockingQueue<dev.tolk.server.http.FinishedRequest>();
            g.tolk.addRequestListener(seen::add);
            String body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(g.post("/v1/messages", body, "x-api-key", "k-two", "x-claude-code-session-id", "s-1")
                    .statusCode()).isEqualTo(200);
            var r = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.messages()).isTrue();
            assertThat(r.key()).isEqualTo("api-key-2");
            assertThat(r.sessionId()).isEqualTo("s-1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.upstream()).isNotNull();
            assertThat(r.inputTokens()).isPositive();
            assertThat(r.outputTokens()).isPositive();
            assertThat(r.ttftNanos()).isPositive();
            assertThat(r.durationNanos()).isGreaterThanOrEqualTo(r.ttftNanos());
            assertThat(r.startedAtEpochMillis()).isCloseTo(System.currentTimeMillis(),
                    org.assertj.core.data.Offset.offset(60_000L));
            assertThat(g.post("/v1/messages", body).statusCode()).isEqualTo(401);
            var refused = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.key()).isEqualTo("-");
            assertThat(refused.upstream()).isNull();
        }
    }

    @FunctionalInterface
    private interface Traffic {
        void send() throws Exception;
    }

    /** Sends {@code traffic} with the access log captured, then waits (5 s at most) until its lines pass {@code check}. */
    private static void withAccessLog(Traffic traffic, java.util.function.Consumer<List<String>> check)
            throws Exception {
        var access = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("tolk.access");
        var lines = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        lines.start();
        access.addAppender(lines);
        try {
            traffic.send();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                    check.accept(List.copyOf(lines.list).stream().map(e -> e.getFormattedMessage()).toList()));
        } finally {
            access.detachAppender(lines);
        }
    }

    @Test
    void theUpstreamKeyComesFromConfigAndTheClientsNever() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().apiKey("upstream-secret").build(),
                c -> c.withUpstreamApiKey("upstream-secret"))) {
            var r = g.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "x-api-key", "client-key", "authorization", "Bearer client-token");
            assertThat(r.statusCode()).isEqualTo(200);
            var seen = g.sim.requests(1).get(0).headers();
            assertThat(seen.get("authorization")).isEqualTo("Bearer upstream-secret");
            assertThat(seen.toString()).doesNotContain("client-key").doesNotContain("client-token");
        }
    }

    @Test
    void aWrongUpstreamKeyIsTheOperatorsErrorNotAClient401() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().apiKey("right").build(), c -> c.withUpstreamApiKey("wrong"))) {
            var r = g.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("api_error").contains("VLLM_API_KEY");
        }
    }

    @Test
    void aNonLoopbackBindWithoutKeysRefusesToStart() {
        assertThatThrownBy(() -> TolkServer.start(GatewayConfig.defaults(URI.create("http://127.0.0.1:1"))
                .withHost("0.0.0.0").withPort(0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--allow-unauthenticated");
    }

    @Test
    void gatewayKeysAreAcceptedAsXApiKeyOrBearer() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c.withApiKeys(List.of("k1")))) {
            String body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(g.post("/v1/messages", body).statusCode()).isEqualTo(401);
            assertThat(g.post("/v1/messages", body, "x-api-key", "k1").statusCode()).isEqualTo(200);
            assertThat(g.post("/v1/messages", body, "authorization", "Bearer k1").statusCode()).isEqualTo(200);
            assertThat(g.post("/v1/messages", body, "authorization", "Bearer k2").body()).contains("authentication_error");
        }
    }

    @Test
    void aRefusedRequestLeavesNoClosingConnectionForTheNextOne() throws Exception {
        // answered 401 before its body is read: the next request on the same client must not meet a closing socket
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c.withApiKeys(List.of("k1")))) {
            String body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            for (int i = 0; i < 40; i++) {
                assertThat(g.post("/v1/messages", body).statusCode()).isEqualTo(401);
                assertThat(g.post("/v1/messages", body, "x-api-key", "k1").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void anUpstreamWithoutTokenizeGetsALabelledEstimate() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().tokenize(false).build(), c -> c)) {
            var r = g.post("/v1/messages/count_tokens", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("tolk-token-count")).hasValue("estimate");
        }
        var exact = f.post("/v1/messages/count_tokens", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(exact.headers().firstValue("tolk-token-count")).hasValue("exact");
    }
}
