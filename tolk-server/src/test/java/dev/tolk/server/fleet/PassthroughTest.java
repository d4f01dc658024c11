package dev.tolk.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.json.Json;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimFault;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An upstream that speaks Anthropic's Messages API (here another Tolk in front of the simulator) gets the client's
 * request untranslated, with Tolk's fixes applied, and its answer goes back as it is.
 */
class PassthroughTest {
    private static final String BILLED = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":500000,\"stream\":%s,"
            + "\"system\":[{\"type\":\"text\",\"text\":\"x-anthropic-billing-header: cc_version=2.1; cch=abc;\"},"
            + "{\"type\":\"text\",\"text\":\"You are terse.\"}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"passthrough please\"}]}";

    private static UpstreamConfig anthropic(String name, URI url) {
        return new UpstreamConfig(name, url, "anthropic", null, 1, List.of());
    }

    @Test
    void aTolkInFrontOfATolkPassesTheRequestThroughWithItsFixes() throws Exception {
        try (FleetFixture f = new FleetFixture(1)) {
            TolkServer inner = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            TolkServer outer = f.tolk(List.of(anthropic("inner", inner.baseUri())), RoutingPolicy.BOUNDED_AFFINITY,
                    b -> b);
            for (boolean stream : new boolean[] {false, true}) {
                HttpResponse<String> r = f.send(outer, "s", BILLED.formatted(stream));
                assertThat(r.statusCode()).isEqualTo(200);
                if (stream) {
                    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
                    assertThat(r.body()).contains("event: message_start").contains("text_delta")
                            .contains("event: message_stop");
                } else {
                    JsonNode m = Json.MAPPER.readTree(r.body());
                    assertThat(m.path("type").asText()).isEqualTo("message");
                    assertThat(m.path("content").get(0).path("text").asText()).contains("passthrough please");
                }
                // what the inner Tolk received: the served model, no billing header, max_tokens within the window
                JsonNode sent = f.sims.get(0).requests(1).get(0).body();
                assertThat(sent.path("model").asText()).isEqualTo("qwen3-sim");
                assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("You are terse.");
                assertThat(sent.path("max_tokens").asInt()).isLessThan(500000);
            }
            assertThat(f.get(outer, "/metrics").body())
                    .contains("tolk_upstream_requests_total{status=\"200\",upstream=\"inner\"} 2.0");
            var printed = new java.io.ByteArrayOutputStream();
            new dev.tolk.server.cli.DoctorCommand().run(inner.baseUri(), null, null,
                    new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                    .contains("serves Anthropic's /v1/messages");
        }
    }

    @Test
    void upstreamErrorsComeBackAsTheyAreAndADeadAnthropicUpstreamFailsOver() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            TolkServer innerA = f.tolk(List.of(FleetFixture.upstream("sim0", f.sims.get(0).baseUri())),
                    RoutingPolicy.BOUNDED_AFFINITY, b -> b);
            TolkServer innerB = f.tolk(List.of(FleetFixture.upstream("sim1", f.sims.get(1).baseUri())),
                    RoutingPolicy.BOUNDED_AFFINITY, b -> b);
            TolkServer outer = f.tolk(List.of(anthropic("a", innerA.baseUri()), anthropic("b", innerB.baseUri())),
                    RoutingPolicy.ROUND_ROBIN, b -> b);
            HttpResponse<String> bad = f.send(outer, null, "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}");
            assertThat(bad.statusCode()).isEqualTo(400); // Tolk's own validation, before any upstream
            f.sims.get(0).fault(SimFault.unavailable()); // inner A answers 529 (its upstream's 503): b takes over
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = f.send(outer, null, BILLED.formatted(i % 2 == 0));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains(i % 2 == 0 ? "event: message_stop" : "passthrough please");
            }
        }
    }

    @Test
    void anUpstreamsErrorReachesTheClientAsItIs() throws Exception {
        try (FleetFixture f = new FleetFixture(1)) {
            f.sims.get(0).loadScenario("rules:\n  - match: {}\n    reply: {error: {status: 400, "
                    + "message: \"the template cannot render this\"}}\n");
            TolkServer inner = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            TolkServer outer = f.tolk(List.of(anthropic("inner", inner.baseUri())), RoutingPolicy.BOUNDED_AFFINITY,
                    b -> b);
            HttpResponse<String> viaInner = f.send(inner, null, BILLED.formatted(false));
            HttpResponse<String> viaOuter = f.send(outer, null, BILLED.formatted(false));
            assertThat(viaOuter.statusCode()).isEqualTo(400).isEqualTo(viaInner.statusCode());
            assertThat(Json.MAPPER.readTree(viaOuter.body()).path("error"))
                    .isEqualTo(Json.MAPPER.readTree(viaInner.body()).path("error"));
            assertThat(viaOuter.body()).contains("the template cannot render this");
        }
    }

    @Test
    void configNamesTheProtocol() {
        GatewayConfig c = GatewayConfig.builder().upstreams(List.of(anthropic("x", URI.create("http://127.0.0.1:1/"))))
                .probeInterval(Duration.ofSeconds(1)).build();
        assertThat(c.upstreams().get(0).anthropic()).isTrue();
    }

    @Test
    void aGracefulShutdownEndsAPassthroughStreamAfterItsGraceWithAnErrorEvent() throws Exception {
        try (FleetFixture f = new FleetFixture(1, dev.tolk.sim.SimOptions.builder().chunkDelayMillis(200).build())) {
            TolkServer inner = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            TolkServer outer = f.tolk(List.of(anthropic("inner", inner.baseUri())), RoutingPolicy.BOUNDED_AFFINITY,
                    b -> b); // shutdown grace 1 s
            String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":400,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"talk for a long time\"}]}";
            var pending = f.http.sendAsync(java.net.http.HttpRequest.newBuilder(outer.baseUri().resolve("/v1/messages"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                    .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> f.get(outer, "/metrics").body().contains("tolk_active_streams 1.0"));
            long t0 = System.nanoTime();
            outer.close();
            long closedMillis = (System.nanoTime() - t0) / 1_000_000;
            HttpResponse<String> r = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("event: message_start").contains("event: error")
                    .contains("overloaded_error").contains("shutting down").doesNotContain("message_stop");
            assertThat(closedMillis).as("ended after the 1 s grace, not at the stream's end").isLessThan(8_000);
        }
    }
}
