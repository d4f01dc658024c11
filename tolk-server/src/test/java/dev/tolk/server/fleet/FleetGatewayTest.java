package dev.tolk.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimFault;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One Tolk in front of several simulated vLLM instances, over real HTTP. */
class FleetGatewayTest {

    @Test
    void aSessionsTurnsLandOnOneInstanceAndSessionsSpreadOverTheFleet() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            Set<Integer> used = new HashSet<>();
            for (int s = 0; s < 12; s++) {
                String session = "session-" + s;
                Set<Integer> turns = new HashSet<>();
                for (int turn = 0; turn < 3; turn++) {
                    HttpResponse<String> r = f.send(t, session, FleetFixture.body("turn " + turn, turn % 2 == 0));
                    assertThat(r.statusCode()).isEqualTo(200);
                    turns.add(f.servedBy(r));
                }
                assertThat(turns).as(session).hasSize(1);
                used.addAll(turns);
            }
            assertThat(used).containsExactlyInAnyOrder(0, 1, 2);
        }
    }

    @Test
    void withoutTheHeaderClaudeCodesUserIdSessionOrTheConversationsStartKeepsItTogether() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            TolkServer t = f.tolk(RoutingPolicy.AFFINITY);
            for (int s = 0; s < 6; s++) {
                String userId = "{\\\"device_id\\\":\\\"ab\\\",\\\"account_uuid\\\":\\\"\\\",\\\"session_id\\\":\\\"u-" + s
                        + "\\\"}";
                Set<Integer> byUserId = new HashSet<>();
                Set<Integer> byStart = new HashSet<>();
                for (int turn = 1; turn <= 3; turn++) {
                    byUserId.add(f.servedBy(f.send(t, null, "{\"model\":\"m\",\"max_tokens\":9,\"metadata\":"
                            + "{\"user_id\":\"" + userId + "\"},\"messages\":" + turns("q" + turn, turn) + "}")));
                    byStart.add(f.servedBy(f.send(t, null, "{\"model\":\"m\",\"max_tokens\":9,\"system\":\"sys " + s
                            + "\",\"messages\":" + turns("first question " + s, turn) + "}")));
                }
                assertThat(byUserId).hasSize(1);
                assertThat(byStart).hasSize(1);
            }
        }
    }

    /** A conversation of {@code n} user turns starting with {@code first}. */
    private static String turns(String first, int n) {
        StringBuilder b = new StringBuilder("[{\"role\":\"user\",\"content\":\"" + first + "\"}");
        for (int i = 1; i < n; i++) {
            b.append(",{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"more ")
                    .append(i).append("\"}");
        }
        return b.append(']').toString();
    }

    @Test
    void aHotInstanceSpillsTheSessionToItsNextRankedOneUnderBoundedAffinityOnly() throws Exception {
        for (RoutingPolicy policy : List.of(RoutingPolicy.BOUNDED_AFFINITY, RoutingPolicy.AFFINITY)) {
            try (FleetFixture f = new FleetFixture(3)) {
                for (SimServer s : f.sims) {
                    s.loadScenario("rules:\n  - match: {stream: true}\n    reply: {text: \"slow answer here\", "
                            + "chunks: 40, chunkDelayMs: 250}\n");
                }
                TolkServer t = f.tolk(policy);
                List<CompletableFuture<HttpResponse<String>>> open = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    open.add(f.http.sendAsync(HttpRequest.newBuilder(t.baseUri().resolve("/v1/messages"))
                            .POST(HttpRequest.BodyPublishers.ofString(FleetFixture.body("hot " + i, true)))
                            .header("content-type", "application/json")
                            .header("x-claude-code-session-id", "the-hot-session").build(),
                            HttpResponse.BodyHandlers.ofString()));
                    int expected = i + 1;
                    await().atMost(Duration.ofSeconds(20)).until(() ->
                            f.sims.stream().mapToLong(s -> s.stats().active()).sum() >= expected);
                }
                int busy = 0;
                for (SimServer s : f.sims) {
                    busy += s.stats().active() > 0 ? 1 : 0;
                }
                assertThat(open).noneMatch(CompletableFuture::isCompletedExceptionally);
                if (policy == RoutingPolicy.AFFINITY) {
                    assertThat(busy).as("affinity keeps the session home").isEqualTo(1);
                } else {
                    assertThat(busy).as("bounded affinity spills").isGreaterThan(1);
                }
            }
        }
    }

    @Test
    void anotherReplicasLoadIsSeenInVllmsMetricsAndSpillsTheSession() throws Exception {
        try (FleetFixture f = new FleetFixture(3, SimOptions.builder().maxNumSeqs(1).build())) {
            f.fleet.loadScenario("rules:\n  - match: {stream: true}\n    reply: {text: \"slow answer here\", "
                    + "chunks: 40, chunkDelayMs: 200}\n");
            TolkServer loader = f.tolk(RoutingPolicy.AFFINITY);
            TolkServer watcher = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            int home = f.servedBy(f.send(watcher, "the-session", FleetFixture.body("calm", false)));
            List<CompletableFuture<HttpResponse<String>>> open = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // one runs, four wait in vLLM's queue
                open.add(f.http.sendAsync(HttpRequest.newBuilder(loader.baseUri().resolve("/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(FleetFixture.body("load " + i, true)))
                        .header("content-type", "application/json").header("x-claude-code-session-id", "the-session")
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> f.get(home).contains("vllm:num_requests_waiting")
                    && waiting(f.get(home)) >= 3);
            Thread.sleep(1500); // the watcher's next scrape
            assertThat(f.servedBy(f.send(watcher, "the-session", FleetFixture.body("now", false))))
                    .as("the watcher has nothing in flight there, but vLLM says it queues").isNotEqualTo(home);
            assertThat(open).noneMatch(CompletableFuture::isCompletedExceptionally);
        }
    }

    private static double waiting(String metrics) {
        double[] sum = new double[1];
        dev.tolk.core.dispatch.PrometheusText.read(metrics, (name, labels, value) -> {
            if (name.equals("vllm:num_requests_waiting")) {
                sum[0] += value;
            }
        });
        return sum[0];
    }

    @Test
    void aKilledInstanceFailsOverWithNoClientErrorAndIsEjected() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            int victim = f.servedBy(f.send(t, "s-kill", FleetFixture.body("hi", false)));
            f.sims.get(victim).fault(SimFault.down());
            for (int turn = 0; turn < 4; turn++) {
                HttpResponse<String> r = f.send(t, "s-kill", FleetFixture.body("again", turn % 2 == 0));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).doesNotContain("\"error\"");
                assertThat(f.servedBy(r)).isNotEqualTo(victim).isNotEqualTo(-1);
            }
            String metrics = f.get(t, "/metrics").body();
            assertThat(metrics).contains("tolk_upstream_up{upstream=\"sim" + victim + "\"} 0.0")
                    .contains("tolk_upstream_retries_total{upstream=\"sim" + victim + "\"} 1.0");
        }
    }

    @Test
    void anInstanceThatDiesAfterAStreamsHeadButBeforeItsFirstChunkFailsOverWithNoClientError() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            int victim = f.servedBy(f.send(t, "s-prefill", FleetFixture.body("hi", false)));
            // vLLM sends a stream's head at once, then computes the prefill: the victim's prefill never ends
            f.sims.get(victim).loadScenario("rules:\n  - match: {stream: true}\n    reply: {text: \"never sent\", "
                    + "fault: {type: stall, afterChunks: 0, seconds: 20}}\n");
            HttpResponse<java.io.InputStream> open = f.http.send(HttpRequest.newBuilder(t.baseUri().resolve(
                    "/v1/messages")).POST(HttpRequest.BodyPublishers.ofString(FleetFixture.body("go on", true)))
                    .header("content-type", "application/json").header("x-claude-code-session-id", "s-prefill")
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(open.statusCode()).as("the client has its head: so had Tolk the upstream's").isEqualTo(200);
            f.sims.get(victim).fault(SimFault.down());
            String body;
            try (java.io.InputStream in = open.body()) {
                body = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            assertThat(body).contains("event: message_start").contains("\"text\":\"Yo\"")
                    .contains("event: message_stop").doesNotContain("event: error");
            assertThat(body.indexOf("event: message_start")).isEqualTo(body.lastIndexOf("event: message_start"));
            String id = open.headers().firstValue("request-id").orElseThrow();
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < f.sims.size(); i++) {
                for (var e : f.sims.get(i).requests()) {
                    if (id.equals(e.headers().get("x-request-id")) && e.path().equals("/v1/chat/completions")) {
                        got.add(i);
                    }
                }
            }
            assertThat(got).hasSize(2).contains(victim);
            assertThat(f.get(t, "/metrics").body()).contains("tolk_upstream_retries_total{upstream=\"sim" + victim
                    + "\"} 1.0");
        }
    }

    @Test
    void a503FailsOverWithNoClientError() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            f.sims.get(0).fault(SimFault.unavailable());
            TolkServer t = f.tolk(RoutingPolicy.AFFINITY);
            for (int s = 0; s < 8; s++) {
                HttpResponse<String> r = f.send(t, "s503-" + s, FleetFixture.body("hi", s % 2 == 0));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(f.receivedBy(r)).contains(1);
            }
            assertThat(f.sims.get(0).stats().byStatus()).containsKey(503);
        }
    }

    @Test
    void aResetBeforeTheResponseHeadFailsOverWithNoClientError() throws Exception {
        try (FleetFixture f = new FleetFixture(1); ResettingServer reset = new ResettingServer()) {
            TolkServer t = f.tolk(List.of(FleetFixture.upstream("resetter", reset.uri()),
                    FleetFixture.upstream("sim0", f.sims.get(0).baseUri())), RoutingPolicy.ROUND_ROBIN, b -> b);
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = f.send(t, null, FleetFixture.body("hi", i % 2 == 0));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(f.servedBy(r)).isEqualTo(0);
            }
            assertThat(reset.accepted.get()).isPositive();
        }
    }

    @Test
    void noHeadInTimeFailsOver() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            f.sims.get(0).loadScenario("rules:\n  - match: {}\n    reply: {text: late, fault: {type: stall_headers, "
                    + "seconds: 5}}\n");
            TolkServer t = f.tolk(f.upstreams(), RoutingPolicy.ROUND_ROBIN,
                    b -> b.upstreamTimeout(Duration.ofSeconds(1)));
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = f.send(t, null, FleetFixture.body("hi", i == 0));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(f.receivedBy(r)).contains(1);
            }
        }
    }

    @Test
    void aStreamWithoutAHeadFailsOverAfterTheHeadTimeoutButASlowPrefillOrGenerationIsNotCut() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            f.sims.get(0).loadScenario("rules:\n  - match: {lastUserText: dead}\n    reply: {text: late, fault: "
                    + "{type: stall_headers, seconds: 20}}\n  - match: {lastUserText: prefill}\n    reply: {text: "
                    + "\"slow but sure\", fault: {type: stall, afterChunks: 0, seconds: 2.5}}\n  - match: "
                    + "{lastUserText: generation}\n    reply: {text: \"whole answer\", fault: {type: stall_headers, "
                    + "seconds: 2.5}}\n");
            TolkServer t = f.tolk(List.of(FleetFixture.upstream("sim0", f.sims.get(0).baseUri()),
                    FleetFixture.upstream("sim1", f.sims.get(1).baseUri())), RoutingPolicy.ROUND_ROBIN,
                    b -> b.upstreamTimeout(Duration.ofSeconds(30)).upstreamHeadTimeout(Duration.ofSeconds(1)));
            // sim0 accepts the stream and sends no head: after 1 s (not the 30 s of silence) it goes to sim1
            long t0 = System.nanoTime();
            HttpResponse<String> moved = f.send(t, null, FleetFixture.body("dead", true));
            assertThat(moved.statusCode()).isEqualTo(200);
            assertThat(moved.body()).contains("event: message_stop").doesNotContain("event: error");
            assertThat(f.receivedBy(moved)).containsExactly(0, 1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            await("sim0 ejected, then back").atMost(Duration.ofSeconds(10)).until(() ->
                    f.get(t, "/metrics").body().contains("tolk_upstream_up{upstream=\"sim0\"} 1.0"));
            // a stream whose head came at once and whose first chunk takes 2.5 s (a long prefill): not cut
            HttpResponse<String> prefill = null;
            for (int i = 0; i < 2 && (prefill == null || f.receivedBy(prefill).contains(1)); i++) {
                prefill = f.send(t, null, FleetFixture.body("prefill", true)); // round robin: one of two is sim0's
            }
            assertThat(f.receivedBy(prefill)).containsExactly(0);
            assertThat(prefill.body()).contains("event: message_stop").doesNotContain("event: error");
            // a non-streaming answer's head comes with the whole generation: not bound by the head timeout either
            HttpResponse<String> whole = null;
            for (int i = 0; i < 2 && (whole == null || f.receivedBy(whole).contains(1)); i++) {
                whole = f.send(t, null, FleetFixture.body("generation", false));
            }
            assertThat(f.receivedBy(whole)).containsExactly(0);
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body()).contains("whole answer");
        }
    }

    @Test
    void afterTheFirstByteAnUpstreamFailureIsAnErrorEventAndNotARetry() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            for (SimServer s : f.sims) {
                s.loadScenario("rules:\n  - match: {}\n    reply: {text: \"one two three four\", chunks: 4, "
                        + "fault: {type: reset, afterChunks: 2}}\n");
            }
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            HttpResponse<String> r = f.send(t, "s-mid", FleetFixture.body("hi", true));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("event: error");
            assertThat(f.chatRequests(0) + f.chatRequests(1)).isEqualTo(1);
        }
    }

    @Test
    void anEjectedInstanceComesBackWhenItsProbeSucceeds() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            TolkServer t = f.tolk(RoutingPolicy.ROUND_ROBIN);
            f.sims.get(0).fault(SimFault.down());
            for (int i = 0; i < 4; i++) {
                assertThat(f.send(t, null, FleetFixture.body("hi", false)).statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    f.get(t, "/metrics").body().contains("tolk_upstream_up{upstream=\"sim0\"} 0.0"));
            assertThat(f.get(t, "/ready").statusCode()).isEqualTo(200); // sim1 still serves
            f.sims.get(0).fault(SimFault.none());
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    f.get(t, "/metrics").body().contains("tolk_upstream_up{upstream=\"sim0\"} 1.0"));
            for (int i = 0; i < 4; i++) {
                f.send(t, null, FleetFixture.body("back", false));
            }
            assertThat(f.chatRequests(0)).isPositive();
        }
    }

    @Test
    void theRetryBudgetHoldsWhenTheWholeFleetFails() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            for (SimServer s : f.sims) {
                s.loadScenario("rules:\n  - match: {}\n    reply: {error: {status: 503, message: busy}}\n");
            }
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            int requests = 60; // scenario 503s: the model lists still answer, so every request is tried
            for (int i = 0; i < requests; i++) {
                assertThat(f.send(t, "s" + i, FleetFixture.body("hi", false)).statusCode()).isGreaterThanOrEqualTo(500);
            }
            long upstreamCalls = f.chatRequests(0) + f.chatRequests(1) + f.chatRequests(2);
            assertThat(upstreamCalls).isGreaterThan(requests).isLessThanOrEqualTo(requests + requests / 5 + 10);
            assertThat(f.get(t, "/ready").statusCode()).isEqualTo(529);
        }
    }

    @Test
    void twoReplicasRankEverySessionTheSame() throws Exception {
        try (FleetFixture f = new FleetFixture(4)) {
            TolkServer a = f.tolk(RoutingPolicy.AFFINITY);
            TolkServer b = f.tolk(RoutingPolicy.AFFINITY);
            for (int s = 0; s < 10; s++) {
                int viaA = f.servedBy(f.send(a, "shared-" + s, FleetFixture.body("hi", false)));
                int viaB = f.servedBy(f.send(b, "shared-" + s, FleetFixture.body("hi", true)));
                assertThat(viaB).isEqualTo(viaA);
            }
        }
    }

    @Test
    void aModelIsSentOnlyToTheUpstreamsServingIt() throws Exception {
        try (FleetFixture f = new FleetFixture(2)) {
            TolkServer t = f.tolk(List.of(new UpstreamConfig("sim0", f.sims.get(0).baseUri(), "openai", null, 1,
                    List.of("other")), FleetFixture.upstream("sim1", f.sims.get(1).baseUri())),
                    RoutingPolicy.ROUND_ROBIN, b -> b);
            for (int i = 0; i < 4; i++) {
                assertThat(f.servedBy(f.send(t, null, FleetFixture.body("hi", false)))).isEqualTo(1);
            }
        }
    }

    /** Accepts connections and resets them at once (RST, before any response byte). */
    static final class ResettingServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();

        ResettingServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        accepted.incrementAndGet();
                        s.getInputStream().read(); // the request has started
                        s.setSoLinger(true, 0);
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
