package dev.tolk.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.support.Fixtures;
import dev.tolk.server.GatewayExtensions;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimFault;
import dev.tolk.sim.SimFleet;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway's traces as an OTLP collector receives them ({@link OtlpReceiver}): a Claude Code turn through the
 * gateway in front of the simulator, configured with the same {@code OTEL_*} keys a user sets.
 */
class TracingGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";
    private static final String SESSION = "5d8f2a0c-6f0e-4b7c-9a51-3c2d1e0f9a77";

    private final HttpClient http = HttpClient.newHttpClient();

    private static Tracing tracingTo(OtlpReceiver receiver) {
        return Tracing.configure(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().toString(),
                "OTEL_BSP_SCHEDULE_DELAY", "50"));
    }

    /** Claude Code's main turn: streaming, with its tools and system prompt (recorded from the CLI). */
    private static Fixtures.Recorded claudeCodeTurn() throws Exception {
        for (Fixtures.Recorded r : Fixtures.messages()) {
            JsonNode body = JSON.readTree(r.body());
            if (body.path("stream").asBoolean(false) && body.path("tools").size() > 0) {
                return r;
            }
        }
        throw new AssertionError("no streaming Claude Code turn with tools in fixtures/claude-code");
    }

    private HttpResponse<String> send(TolkServer tolk, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(tolk.baseUri().resolve("/v1/messages?beta=true"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("content-type", "application/json")
                .header("anthropic-version", "2023-06-01").timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<OtlpReceiver.Received> awaitSpans(OtlpReceiver receiver, int count) {
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(receiver.spans()).hasSizeGreaterThanOrEqualTo(count));
        return receiver.spans();
    }

    private static OtlpReceiver.Received one(List<OtlpReceiver.Received> spans, SpanKind kind) {
        List<OtlpReceiver.Received> of = spans.stream().filter(s -> s.kind() == kind).toList();
        assertThat(of).as("%s spans in %s", kind, spans).hasSize(1);
        return of.get(0);
    }

    private static String traceparentSentTo(SimServer sim, String requestId) {
        return sim.requests().stream()
                .filter(e -> e.path().equals("/v1/chat/completions")
                        && requestId.equals(e.headers().get("x-request-id")))
                .map(e -> e.headers().get("traceparent")).findFirst().orElseThrow();
    }

    @Test
    void aClaudeCodeTurnIsOneRequestSpanWithItsAttemptInTheClientsTraceAndTheUpstreamJoinsIt() throws Exception {
        Fixtures.Recorded turn = claudeCodeTurn();
        String clientModel = JSON.readTree(turn.body()).get("model").asText();
        try (OtlpReceiver receiver = new OtlpReceiver();
             SimServer sim = SimServer.start(SimOptions.defaults());
             TolkServer tolk = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0),
                     GatewayExtensions.defaults().withTracing(tracingTo(receiver)))) {
            HttpResponse<String> r = send(tolk, turn.body(), "traceparent", TRACEPARENT,
                    "x-claude-code-session-id", SESSION);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("event: message_stop");
            String requestId = r.headers().firstValue("request-id").orElseThrow();

            List<OtlpReceiver.Received> spans = awaitSpans(receiver, 2);
            assertThat(spans).hasSize(2);
            OtlpReceiver.Received request = one(spans, SpanKind.SPAN_KIND_SERVER);
            OtlpReceiver.Received attempt = one(spans, SpanKind.SPAN_KIND_CLIENT);

            // the client's trace, and the upstream's spans under the attempt
            assertThat(request.traceId()).isEqualTo(TRACE_ID);
            assertThat(request.parentSpanId()).isEqualTo(CLIENT_SPAN);
            assertThat(attempt.traceId()).isEqualTo(TRACE_ID);
            assertThat(attempt.parentSpanId()).isEqualTo(request.spanId());
            assertThat(traceparentSentTo(sim, requestId)).isEqualTo("00-" + TRACE_ID + "-" + attempt.spanId() + "-01");

            String upstreamModel = sim.requests().get(sim.requests().size() - 1).body().get("model").asText();
            assertThat(request.name()).isEqualTo("chat " + clientModel);
            assertThat(request.resource()).containsEntry("service.name", "tolk");
            assertThat(request.attributes())
                    .containsEntry("gen_ai.operation.name", "chat")
                    .containsEntry("gen_ai.provider.name", "anthropic")
                    .containsEntry("gen_ai.request.model", clientModel)
                    .containsEntry("gen_ai.response.model", upstreamModel)
                    .containsEntry("gen_ai.request.stream", true)
                    .containsEntry("gen_ai.request.max_tokens", JSON.readTree(turn.body()).get("max_tokens").asLong())
                    .containsEntry("tolk.request_id", requestId)
                    .containsEntry("tolk.session_id", SESSION)
                    .containsEntry("gen_ai.conversation.id", SESSION)
                    .containsEntry("http.route", "/v1/messages")
                    .containsEntry("http.response.status_code", 200L)
                    .containsEntry("tolk.upstream", "127.0.0.1:" + sim.port())
                    .containsKeys("gen_ai.usage.cache_read.input_tokens", "gen_ai.response.time_to_first_chunk")
                    .doesNotContainKeys("error.type", "tolk.key");
            JsonNode start = JSON.readTree(r.body().lines()
                    .filter(l -> l.startsWith("data: {\"type\":\"message_start\"")).findFirst().orElseThrow()
                    .substring(6));
            assertThat(request.attr("gen_ai.response.id")).isEqualTo(start.at("/message/id").asText());
            assertThat((Long) request.attr("gen_ai.usage.input_tokens")).isPositive();
            assertThat((Long) request.attr("gen_ai.usage.output_tokens")).isPositive();
            assertThat((Double) request.attr("gen_ai.response.time_to_first_chunk")).isPositive().isLessThan(30);
            assertThat(request.attr("gen_ai.response.finish_reasons")).isIn(List.of("end_turn"), List.of("tool_use"));
            assertThat(request.statusCode()).isZero(); // unset: no error

            assertThat(attempt.name()).isEqualTo("chat " + upstreamModel);
            assertThat(attempt.attributes())
                    .containsEntry("tolk.attempt", 1L)
                    .containsEntry("tolk.upstream", "127.0.0.1:" + sim.port())
                    .containsEntry("http.response.status_code", 200L)
                    .containsEntry("server.address", "127.0.0.1")
                    .containsEntry("server.port", (long) sim.port())
                    .containsEntry("url.full", "http://127.0.0.1:" + sim.port() + "/v1/chat/completions")
                    .containsEntry("gen_ai.request.model", upstreamModel)
                    .doesNotContainKey("tolk.retry.reason");

            // no prompt or completion text anywhere on the spans
            List<String> texts = new ArrayList<>();
            collectTexts(JSON.readTree(turn.body()).get("messages"), texts);
            collectTexts(JSON.readTree(turn.body()).get("system"), texts);
            assertThat(texts).isNotEmpty();
            for (OtlpReceiver.Received s : spans) {
                for (Object v : s.attributes().values()) {
                    String value = String.valueOf(v);
                    assertThat(value.length()).as("attribute value %s", value).isLessThan(200);
                    texts.forEach(t -> assertThat(value).doesNotContain(t));
                }
            }
        }
    }

    private static void collectTexts(JsonNode node, List<String> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && node.asText().length() >= 24) {
            out.add(node.asText().substring(0, 24));
        }
        node.forEach(n -> collectTexts(n, out));
    }

    @Test
    void aFailoverIsAnEventOnTheRequestSpanAndTwoAttemptSpans() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
             SimFleet fleet = SimFleet.start(2, SimOptions.defaults())) {
            List<UpstreamConfig> upstreams = List.of(
                    new UpstreamConfig("sim0", fleet.instance(0).baseUri(), "openai", null, 1, List.of()),
                    new UpstreamConfig("sim1", fleet.instance(1).baseUri(), "openai", null, 1, List.of()));
            try (TolkServer tolk = TolkServer.start(GatewayConfig.builder().port(0).upstreams(upstreams)
                    .routing(RoutingPolicy.ROUND_ROBIN).connectTimeout(Duration.ofSeconds(2))
                    .apiKeys(List.of("team-secret-1", "team-secret-2"))
                    .upstreamTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofSeconds(1)).build(),
                    GatewayExtensions.defaults().withTracing(tracingTo(receiver)))) {
                byte[] body = ("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":20,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8);
                // round robin: one request to each while both are up (their spans are traces of their own), then the
                // third goes to sim0 first, which is down by then
                for (int i = 0; i < 2; i++) {
                    assertThat(send(tolk, body, "x-api-key", "team-secret-1").statusCode()).isEqualTo(200);
                }
                fleet.instance(0).fault(SimFault.down());
                HttpResponse<String> r = send(tolk, body, "traceparent", TRACEPARENT, "x-api-key", "team-secret-2");
                assertThat(r.statusCode()).isEqualTo(200);
                String requestId = r.headers().firstValue("request-id").orElseThrow();

                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(receiver.spans().stream()
                        .filter(s -> s.traceId().equals(TRACE_ID))).hasSizeGreaterThanOrEqualTo(3));
                List<OtlpReceiver.Received> spans = receiver.spans().stream()
                        .filter(s -> s.traceId().equals(TRACE_ID)).toList();
                assertThat(spans).hasSize(3);
                OtlpReceiver.Received request = one(spans, SpanKind.SPAN_KIND_SERVER);
                assertThat(request.events()).hasSize(1);
                OtlpReceiver.Event failover = request.events().get(0);
                assertThat(failover.name()).isEqualTo("tolk.failover");
                assertThat(failover.attributes()).containsEntry("tolk.retry.reason", "failover")
                        .containsEntry("tolk.upstream.from", "sim0").containsEntry("tolk.upstream", "sim1")
                        .containsEntry("tolk.attempt", 2L);
                assertThat(request.attributes()).containsEntry("tolk.upstream", "sim1")
                        .containsEntry("http.response.status_code", 200L)
                        .containsEntry("tolk.key", "api-key-2") // the key's name, never the secret
                        .containsEntry("tolk.note", "failover:sim0>sim1");
                assertThat(spans).allSatisfy(s ->
                        assertThat(s.attributes().values().toString()).doesNotContain("secret"));

                List<OtlpReceiver.Received> attempts = spans.stream()
                        .filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT)
                        .sorted(java.util.Comparator.comparing(s -> (Long) s.attr("tolk.attempt"))).toList();
                assertThat(attempts).hasSize(2).allSatisfy(a -> {
                    assertThat(a.traceId()).isEqualTo(TRACE_ID);
                    assertThat(a.parentSpanId()).isEqualTo(request.spanId());
                });
                OtlpReceiver.Received refused = attempts.get(0);
                assertThat(refused.attributes()).containsEntry("tolk.upstream", "sim0")
                        .containsEntry("tolk.attempt", 1L).doesNotContainKey("http.response.status_code");
                // refused, or the connection kept from the warm-up closed under it (also a plain IOException, seen
                // once on a loaded machine: the socket reset under the request's write): the failure's class
                assertThat((String) refused.attr("error.type")).isIn("java.net.ConnectException",
                        "java.io.EOFException", "org.eclipse.jetty.io.EofException",
                        "java.nio.channels.ClosedChannelException", "java.io.IOException");
                assertThat(refused.statusCode()).isEqualTo(2); // ERROR
                OtlpReceiver.Received served = attempts.get(1);
                assertThat(served.attributes()).containsEntry("tolk.upstream", "sim1")
                        .containsEntry("tolk.attempt", 2L).containsEntry("tolk.retry.reason", "failover")
                        .containsEntry("http.response.status_code", 200L);
                assertThat(traceparentSentTo(fleet.instance(1), requestId))
                        .isEqualTo("00-" + TRACE_ID + "-" + served.spanId() + "-01");
            }
        }
    }

    @Test
    void anUpstreamThatCannotServeMarksBothSpansWithTheError() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
             SimServer sim = SimServer.start(SimOptions.defaults());
             TolkServer tolk = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0),
                     GatewayExtensions.defaults().withTracing(tracingTo(receiver)))) {
            assertThat(send(tolk, claudeCodeTurn().body()).statusCode()).isEqualTo(200); // the model list, while up
            sim.fault(SimFault.unavailable());
            HttpResponse<String> r = send(tolk, claudeCodeTurn().body(), "traceparent", TRACEPARENT);
            assertThat(r.statusCode()).isEqualTo(529);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(receiver.spans().stream()
                    .filter(s -> s.traceId().equals(TRACE_ID))).hasSize(2));
            List<OtlpReceiver.Received> spans = receiver.spans().stream()
                    .filter(s -> s.traceId().equals(TRACE_ID)).toList();
            OtlpReceiver.Received request = one(spans, SpanKind.SPAN_KIND_SERVER);
            OtlpReceiver.Received attempt = one(spans, SpanKind.SPAN_KIND_CLIENT);
            assertThat(request.attributes()).containsEntry("error.type", "overloaded_error")
                    .containsEntry("http.response.status_code", 529L)
                    .doesNotContainKeys("gen_ai.usage.input_tokens", "gen_ai.response.finish_reasons");
            assertThat(request.statusCode()).isEqualTo(2); // ERROR
            assertThat(attempt.attributes()).containsEntry("error.type", "503")
                    .containsEntry("http.response.status_code", 503L);
            assertThat(attempt.statusCode()).isEqualTo(2);
        }
    }

    @Test
    void withTracingOffNoSpanIsMadeAndTheClientsTraceContextGoesUpstreamUnchanged() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
             SimServer sim = SimServer.start(SimOptions.defaults())) {
            // an endpoint alone would turn it on; the exporter "none" keeps it off
            Tracing off = Tracing.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().toString(),
                    "OTEL_TRACES_EXPORTER", "none"));
            assertThat(off).isSameAs(Tracing.OFF);
            try (TolkServer tolk = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0),
                    GatewayExtensions.defaults().withTracing(off))) {
                byte[] body = claudeCodeTurn().body();
                HttpResponse<String> without = send(tolk, body);
                HttpResponse<String> with = send(tolk, body, "traceparent", TRACEPARENT, "tracestate", "vendor=1");
                assertThat(without.statusCode()).isEqualTo(200);
                assertThat(with.statusCode()).isEqualTo(200);
                String withoutId = without.headers().firstValue("request-id").orElseThrow();
                String withId = with.headers().firstValue("request-id").orElseThrow();
                var sent = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).toList();
                var first = sent.stream().filter(e -> withoutId.equals(e.headers().get("x-request-id"))).findFirst()
                        .orElseThrow();
                var second = sent.stream().filter(e -> withId.equals(e.headers().get("x-request-id"))).findFirst()
                        .orElseThrow();
                assertThat(first.headers()).doesNotContainKeys("traceparent", "tracestate");
                assertThat(second.headers()).containsEntry("traceparent", TRACEPARENT)
                        .containsEntry("tracestate", "vendor=1");
            }
            Thread.sleep(300); // what a batch exporter would have sent by now
            assertThat(receiver.spans()).isEmpty();
        }
    }

    @Test
    void theSwitchFollowsTheStandardVariables() {
        assertThat(Tracing.wanted(Map.of())).isFalse();
        assertThat(Tracing.wanted(Map.of("otel.service.name", "x"))).isFalse();
        assertThat(Tracing.wanted(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318"))).isTrue();
        assertThat(Tracing.wanted(Map.of("otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:4318/v1/traces")))
                .isTrue();
        assertThat(Tracing.wanted(Map.of("otel.traces.exporter", "otlp"))).isTrue();
        assertThat(Tracing.wanted(Map.of("otel.traces.exporter", "none",
                "otel.exporter.otlp.endpoint", "http://127.0.0.1:4318"))).isFalse();
        assertThat(Tracing.wanted(Map.of("otel.sdk.disabled", "true",
                "otel.exporter.otlp.endpoint", "http://127.0.0.1:4318"))).isFalse();
        assertThat(Tracing.configure(Map.of("OTEL_SDK_DISABLED", "true", "OTEL_TRACES_EXPORTER", "otlp")))
                .isSameAs(Tracing.OFF);
    }

    @Test
    void tolkConfigSaysWhereSpansGoWithoutStartingAnything() {
        assertThat(Tracing.describe(Map.of())).isEqualTo("off");
        assertThat(Tracing.describe(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))
                .isEqualTo("otlp http://collector:4318/v1/traces (service tolk)");
        assertThat(Tracing.describe(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SERVICE_NAME", "gw-eu")))
                .isEqualTo("otlp http://localhost:4318/v1/traces (service gw-eu)");
        assertThat(Tracing.describe(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/custom",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer secret"))).doesNotContain("secret")
                .contains("http://c:4318/custom");
    }

    @Test
    void anExporterTolkDoesNotShipIsAStartUpErrorThatSaysWhatToSet() {
        assertThatThrownBy(() -> Tracing.configure(Map.of("OTEL_TRACES_EXPORTER", "zipkin")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OTEL_TRACES_EXPORTER=otlp");
        assertThatThrownBy(() -> Tracing.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a url");
        assertThatThrownBy(() -> Tracing.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http/protobuf");
    }
}
