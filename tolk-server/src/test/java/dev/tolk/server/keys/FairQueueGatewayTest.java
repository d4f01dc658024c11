package dev.tolk.server.keys;

import static dev.tolk.server.keys.KeyGateway.body;
import static dev.tolk.server.keys.KeyGateway.limits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fair sharing of a saturated upstream over real HTTP: one upstream with a capacity of 1 request. */
class FairQueueGatewayTest {
    private KeyGateway g;

    private void start(boolean simPriority, boolean priorityScheduling, Duration wait) {
        start(simPriority, priorityScheduling, wait, Duration.ofSeconds(5));
    }

    private void start(boolean simPriority, boolean priorityScheduling, Duration wait, Duration ping) {
        g = new KeyGateway(SimOptions.builder().priorityScheduling(simPriority).build(), b -> b.pingInterval(ping)
                .upstreams(List.of(new UpstreamConfig("sim0", URI.create("http://127.0.0.1:1"), "openai", null, 1,
                        List.of(), 1, priorityScheduling)))
                .queueWait(wait));
    }

    @AfterEach
    void stop() {
        if (g != null) {
            g.close();
        }
    }

    /** The gateway's upstream is the simulator KeyGateway started (the URL above is replaced in KeyGateway). */
    private long held() throws Exception {
        String metrics = g.http.send(java.net.http.HttpRequest.newBuilder(g.tolk.baseUri().resolve("/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("tolk_queued_requests ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        return 0;
    }

    private CompletableFuture<HttpResponse<String>> send(String key, String text, boolean stream) {
        return g.http.sendAsync(g.request(key, "/v1/messages", body(text, stream)), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> upstreamOrder() {
        List<String> out = new ArrayList<>();
        g.sim.requests().stream().filter(e -> "POST".equals(e.method()))
                .forEach(e -> out.add(e.body().path("messages").path(0).path("content").asText()));
        return out;
    }

    @Test
    void heldRequestsAreReleasedRoundRobinAcrossKeysWeightedByPriority() throws Exception {
        start(false, false, Duration.ofSeconds(30));
        g.sim.loadScenario("rules: [{match: {lastUserText: warm}, reply: {text: '" + "word ".repeat(10)
                + "', chunks: 10, chunkDelayMs: 400}}, {reply: {text: 'one two three', chunks: 3, chunkDelayMs: 60}}]");
        g.key("warm", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("plain", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("gold", limits(0, 0, 0, 0, null, 3, List.of()));
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        all.add(send("warm", "warm", true));
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamOrder().size() == 1);
        for (int i = 0; i < 4; i++) { // first come: all of plain's, then all of gold's
            all.add(send("plain", "p" + i, i % 2 == 0));
            int n = i + 1;
            await().atMost(Duration.ofSeconds(5)).until(() -> held() == n);
        }
        for (int i = 0; i < 4; i++) {
            all.add(send("gold", "g" + i, i % 2 == 1));
            int n = 5 + i;
            await().atMost(Duration.ofSeconds(5)).until(() -> held() == n);
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        // one of plain's, three of gold's (priority 3), and so on; first come first served would be p0..p3, g0..g3
        assertThat(upstreamOrder()).containsExactly("warm", "p0", "g0", "g1", "g2", "p1", "g3", "p2", "p3");
        assertThat(held()).isZero();
    }

    @Test
    void aRequestHeldLongerThanTheQueueWaitGets529AndNeverReachesTheUpstream() throws Exception {
        start(false, false, Duration.ofSeconds(1));
        g.sim.loadScenario("rules: [{match: {lastUserText: hog}, reply: {text: '" + "word ".repeat(8)
                + "', chunks: 8, chunkDelayMs: 500}}]");
        g.key("a", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("b", limits(0, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> hog = send("a", "hog", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamOrder().size() == 1);
        long t0 = System.nanoTime();
        HttpResponse<String> r = g.post("b", "/v1/messages", body("hi", true));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(529);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.body()).contains("\"type\":\"overloaded_error\"", "fair queue");
        assertThat(waitedMs).isBetween(900L, 3000L);
        assertThat(upstreamOrder()).containsExactly("hog");
        assertThat(held()).isZero();
        assertThat(hog.get().statusCode()).isEqualTo(200);
    }

    /** Sends a streaming request on a socket of its own; its response is read as it comes. */
    private java.net.Socket raw(String key, String text) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", g.tolk.port());
        byte[] b = body(text, true).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: t\r\ncontent-type: application/json\r\n"
                + "x-api-key: sk-" + key + "\r\ncontent-length: " + b.length + "\r\n\r\n").getBytes());
        s.getOutputStream().write(b);
        s.setSoTimeout(15_000);
        return s;
    }

    /** Reads {@code in} until {@code text} has arrived; returns all read so far. */
    private static String readUntil(java.io.InputStream in, StringBuilder seen, String text) throws Exception {
        byte[] buf = new byte[4096];
        while (seen.indexOf(text) < 0) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            seen.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
        return seen.toString();
    }

    @Test
    void aStreamHeldLongerThanThePingIntervalGetsItsHeadAndPingsThenItsAnswer() throws Exception {
        start(false, false, Duration.ofSeconds(30), Duration.ofMillis(400));
        g.sim.loadScenario("rules: [{match: {lastUserText: hog}, reply: {text: '" + "word ".repeat(8)
                + "', chunks: 8, chunkDelayMs: 400}}]");
        g.key("a", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("b", limits(0, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> hog = send("a", "hog", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamOrder().size() == 1);
        try (java.net.Socket held = raw("b", "held")) {
            StringBuilder seen = new StringBuilder();
            String before = readUntil(held.getInputStream(), seen, "event: ping");
            assertThat(before).startsWith("HTTP/1.1 200").contains("text/event-stream", "request-id: req_")
                    .doesNotContain("message_start");
            assertThat(upstreamOrder()).as("still held").containsExactly("hog");
            String all = readUntil(held.getInputStream(), seen, "event: message_stop");
            assertThat(all.indexOf("event: ping")).isLessThan(all.indexOf("event: message_start"));
            assertThat(all).contains("event: message_stop").doesNotContain("event: error");
        }
        assertThat(hog.get().statusCode()).isEqualTo(200);
        assertThat(upstreamOrder()).containsExactly("hog", "held");
    }

    @Test
    void aPingedStreamThatWaitsTooLongEndsWithAnOverloadedErrorEvent() throws Exception {
        start(false, false, Duration.ofSeconds(1), Duration.ofMillis(300));
        g.sim.loadScenario("rules: [{match: {lastUserText: hog}, reply: {text: '" + "word ".repeat(8)
                + "', chunks: 8, chunkDelayMs: 500}}]");
        g.key("a", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("b", limits(0, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> hog = send("a", "hog", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamOrder().size() == 1);
        HttpResponse<String> r = g.post("b", "/v1/messages", body("hi", true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("event: ping", "event: error", "overloaded_error", "fair queue")
                .doesNotContain("message_start");
        assertThat(upstreamOrder()).containsExactly("hog");
        assertThat(hog.get().statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatLeavesWhileHeldLeavesTheQueueAndTheNextOneIsReleased() throws Exception {
        start(false, false, Duration.ofSeconds(30));
        g.sim.loadScenario("rules: [{match: {lastUserText: hog}, reply: {text: '" + "word ".repeat(6)
                + "', chunks: 6, chunkDelayMs: 300}}]");
        g.key("a", limits(0, 0, 0, 0, null, 1, List.of()));
        g.key("b", limits(0, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> hog = send("a", "hog", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamOrder().size() == 1);
        java.net.Socket leaving = new java.net.Socket("127.0.0.1", g.tolk.port());
        byte[] b = body("left", true).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        leaving.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: t\r\ncontent-type: application/json\r\n"
                + "x-api-key: sk-b\r\ncontent-length: " + b.length + "\r\n\r\n").getBytes());
        leaving.getOutputStream().write(b);
        await().atMost(Duration.ofSeconds(5)).until(() -> held() == 1);
        CompletableFuture<HttpResponse<String>> next = send("b", "next", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> held() == 2);
        leaving.close();
        await().atMost(Duration.ofSeconds(2)).until(() -> held() == 1);
        assertThat(hog.get().statusCode()).isEqualTo(200);
        assertThat(next.get().statusCode()).isEqualTo(200);
        assertThat(upstreamOrder()).containsExactly("hog", "next");
    }

    @Test
    void theKeysPriorityIsSentAsVllmsPriorityOnlyToAnUpstreamThatSchedulesByPriority() throws Exception {
        start(true, true, Duration.ofSeconds(30));
        g.key("gold", limits(0, 0, 0, 0, null, 3, List.of()));
        g.key("plain", limits(0, 0, 0, 0, null, 1, List.of()));
        assertThat(g.post("gold", "/v1/messages", body("hi", true)).statusCode()).isEqualTo(200);
        assertThat(g.post("plain", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200);
        var posts = g.sim.requests().stream().filter(e -> "POST".equals(e.method())).toList();
        assertThat(posts.get(0).body().path("priority").asInt(99)).isEqualTo(-2);
        assertThat(posts.get(1).body().has("priority")).isFalse(); // priority 1 sends vLLM's default, 0: nothing
    }

    @Test
    void anUpstreamWithoutPrioritySchedulingIsNeverSentAPriority() throws Exception {
        start(false, false, Duration.ofSeconds(30)); // the simulator, as vLLM, answers 400 to a non-zero priority
        g.key("gold", limits(0, 0, 0, 0, null, 3, List.of()));
        assertThat(g.post("gold", "/v1/messages", body("hi", true)).statusCode()).isEqualTo(200);
        assertThat(g.sim.requests().stream().filter(e -> "POST".equals(e.method())).findFirst().orElseThrow()
                .body().has("priority")).isFalse();
    }
}
