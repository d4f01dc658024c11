package dev.tolk.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A fleet of independent simulated vLLM instances with the cost model, over real HTTP. */
class SimFleetTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();
    /** A prompt of a few hundred tokens: many whole 16-token blocks. */
    static final String LONG = "the quick brown fox jumps over the lazy dog ".repeat(30);

    static String chatBody(String prompt, boolean stream) {
        return "{\"stream\":" + stream + ",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.valueToTree(prompt) + "}]}";
    }

    static HttpResponse<String> chat(SimServer s, String prompt) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(s.baseUri().resolve("/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chatBody(prompt, false)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> chatAsync(SimServer s, String prompt) {
        return HTTP.sendAsync(HttpRequest.newBuilder(s.baseUri().resolve("/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chatBody(prompt, false)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static int cachedTokens(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(-1);
    }

    static int promptTokens(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("usage").path("prompt_tokens").asInt(-1);
    }

    static String get(SimServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(s.baseUri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The value of one sample of {@code /metrics}, as vLLM labels it. */
    static double metric(SimServer s, String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{engine=\"0\",model_name=\"qwen3-sim\"} ") + "(\\S+)$")
                .matcher(get(s, "/metrics"));
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** A streaming request on a raw socket, held open by the "hold" scenario rule until the socket is closed. */
    static Socket holdOpen(SimServer s, String prompt) throws Exception {
        Socket socket = new Socket("127.0.0.1", s.port());
        String body = chatBody(prompt, true);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        socket.getInputStream().read(); // the headers: the request is in
        return socket;
    }

    static final String HOLD = "rules: [{match: {lastUserText: hold}, reply: {text: held, fault: {type: stall, afterChunks: 1, seconds: 60}}}]";

    @Test
    void eachInstanceHasItsOwnPrefixCache() throws Exception {
        try (SimFleet fleet = SimFleet.start(2, SimOptions.defaults())) {
            assertThat(fleet.baseUris()).hasSize(2).doesNotHaveDuplicates();
            SimServer a = fleet.instance(0);
            SimServer b = fleet.instance(1);
            assertThat(cachedTokens(chat(a, LONG))).isZero();
            HttpResponse<String> again = chat(a, LONG);
            assertThat(cachedTokens(again)).isPositive().isEqualTo((promptTokens(again) - 1) / 16 * 16);
            assertThat(cachedTokens(chat(b, LONG))).as("instance 1 never saw the prompt").isZero();
            assertThat(a.stats().prefixCacheHits()).isEqualTo(cachedTokens(again));
            assertThat(b.stats().prefixCacheHits()).isZero();
            assertThat(a.stats().prefixCacheQueries()).isEqualTo(2L * promptTokens(again));
        }
    }

    @Test
    void aFleetWithAFixedPortTakesConsecutivePorts() throws Exception {
        int base;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            base = probe.getLocalPort();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(base < 65533, "no room above the free port found");
        SimFleet fleet;
        try {
            fleet = SimFleet.start(3, SimOptions.builder().port(base).build());
        } catch (IllegalStateException taken) {
            org.junit.jupiter.api.Assumptions.abort("a port next to the free one was taken: " + taken.getMessage());
            return;
        }
        try (fleet) {
            assertThat(fleet.instances()).extracting(SimServer::port).containsExactly(base, base + 1, base + 2);
            assertThat(fleet.instances()).extracting(SimServer::index).containsExactly(0, 1, 2);
            assertThat(chat(fleet.instance(2), "hi").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void prefillIsChargedOnlyForUncachedTokensAndDecodePerOutputToken() throws Exception {
        SimOptions o = SimOptions.builder().prefillMicrosPerToken(200).decodeMicrosPerToken(100).build();
        try (SimServer s = SimServer.start(o)) {
            HttpResponse<String> first = chat(s, LONG);
            HttpResponse<String> second = chat(s, LONG);
            int prompt = promptTokens(first);
            int cached = cachedTokens(second);
            int completion = JSON.readTree(first.body()).path("usage").path("completion_tokens").asInt();
            List<SimStats.RequestTiming> t = s.timings();
            assertThat(t).hasSize(2);
            assertThat(t.get(0).prefillMicros()).isEqualTo(200L * prompt);
            assertThat(t.get(1).cachedTokens()).isEqualTo(cached).isPositive();
            assertThat(t.get(1).prefillMicros()).isEqualTo(200L * (prompt - cached));
            assertThat(t.get(0).decodeMicros()).isEqualTo(100L * completion);
            assertThat(t.get(1).ttftMicros()).isEqualTo(t.get(1).queuedMicros() + t.get(1).prefillMicros());
            // the same numbers over HTTP, for the benchmark
            JsonNode stats = JSON.readTree(get(s, "/sim/stats?timings=10"));
            assertThat(stats.path("timings")).hasSize(2);
            assertThat(stats.path("timings").get(1).path("prefillMicros").asLong()).isEqualTo(200L * (prompt - cached));
            assertThat(stats.path("timings").get(1).path("ttftMicros").asLong()).isEqualTo(t.get(1).ttftMicros());
            assertThat(stats.path("prefixCacheHits").asLong()).isEqualTo(cached);
            assertThat(JSON.readTree(get(s, "/sim/stats")).has("timings")).as("only when asked").isFalse();
        }
    }

    @Test
    void beyondMaxNumSeqsRequestsWaitInFifoOrderAndTheMetricsShowIt() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.builder().maxNumSeqs(1).build())) {
            s.loadScenario(HOLD);
            CompletableFuture<HttpResponse<String>> second;
            CompletableFuture<HttpResponse<String>> third;
            try (Socket first = holdOpen(s, "hold")) {
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().running() == 1);
                second = chatAsync(s, "second request");
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().waiting() == 1);
                third = chatAsync(s, "the third request, a little longer");
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().waiting() == 2);
                assertThat(metric(s, "vllm:num_requests_running")).isEqualTo(1.0);
                assertThat(metric(s, "vllm:num_requests_waiting")).isEqualTo(2.0);
                Thread.sleep(100);
                assertThat(second).as("a waiting request gets no answer").isNotDone();
            }
            // the held request's client left: the queue moves, first in first out
            assertThat(second.get(10, TimeUnit.SECONDS).body()).contains("You said: second request");
            assertThat(third.get(10, TimeUnit.SECONDS).body()).contains("You said: the third request");
            List<SimStats.RequestTiming> t = s.timings();
            assertThat(t).hasSize(3);
            assertThat(t.get(1).promptTokens()).isLessThan(t.get(2).promptTokens()); // second admitted before third
            assertThat(t.get(1).queuedMicros()).isPositive();
            assertThat(t.get(2).queuedMicros()).isPositive();
            assertThat(metric(s, "vllm:num_requests_waiting")).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().running() == 0);
        }
    }

    @Test
    void aClientThatLeavesWhileWaitingLeavesTheQueue() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.builder().maxNumSeqs(1).build())) {
            s.loadScenario(HOLD);
            try (Socket first = holdOpen(s, "hold")) {
                try (Socket waiting = holdOpen(s, "hold")) {
                    await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().waiting() == 1);
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().waiting() == 0 && s.stats().aborted() == 1);
                assertThat(s.stats().running()).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().running() == 0 && s.stats().aborted() == 2);
            assertThat(s.timings()).as("the one that left was never admitted").hasSize(1);
        }
    }

    @Test
    void kvBlocksHeldByRunningRequestsAreTheUsageAndBoundAdmission() throws Exception {
        // 30 blocks: one held request of ~400 prompt tokens takes most of them, a second one must wait for it
        try (SimServer s = SimServer.start(SimOptions.builder().kvBlocks(30).build())) {
            s.loadScenario(HOLD);
            assertThat(metric(s, "vllm:kv_cache_usage_perc")).isZero();
            try (Socket first = holdOpen(s, "hold " + LONG)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().running() == 1);
                double usage = metric(s, "vllm:kv_cache_usage_perc");
                assertThat(usage).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
                assertThat(s.stats().kvCacheUsage()).isEqualTo(usage);
                CompletableFuture<HttpResponse<String>> other = chatAsync(s, "other " + LONG);
                await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().waiting() == 1);
                assertThat(s.stats().running()).as("no max-num-seqs: it waits for blocks").isEqualTo(1);
                first.close();
                assertThat(other.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> s.stats().running() == 0);
            assertThat(metric(s, "vllm:kv_cache_usage_perc")).as("cached blocks nobody holds are free").isZero();
            assertThat(metric(s, "vllm:prefix_cache_queries_total")).isEqualTo(s.stats().prefixCacheQueries()).isPositive();
            // the blocks of a finished request stay cached, unheld: the same prompt hits
            HttpResponse<String> again = chat(s, "other " + LONG);
            assertThat(cachedTokens(again)).isPositive();
            assertThat(metric(s, "vllm:prefix_cache_hits_total")).isEqualTo(cachedTokens(again));
        }
    }

    @Test
    void metricsUseVllmsNamesTypesAndLabels() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.defaults())) {
            String m = get(s, "/metrics");
            assertThat(m).contains("# TYPE vllm:num_requests_running gauge\n")
                    .contains("# TYPE vllm:num_requests_waiting gauge\n")
                    .contains("# TYPE vllm:kv_cache_usage_perc gauge\n")
                    .contains("# TYPE vllm:prefix_cache_queries_total counter\n")
                    .contains("# TYPE vllm:prefix_cache_hits_total counter\n")
                    .contains("vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"qwen3-sim\"} 0.0\n");
        }
    }

    @Test
    void aDownInstanceRefusesConnectionsUntilTheFaultIsCleared() throws Exception {
        try (SimFleet fleet = SimFleet.start(2, SimOptions.defaults())) {
            SimServer a = fleet.instance(0);
            int port = a.port();
            a.fault(SimFault.down());
            assertThatThrownBy(() -> chat(a, "anyone?")).isInstanceOf(ConnectException.class);
            assertThat(chat(fleet.instance(1), "still here").statusCode()).as("the other instance").isEqualTo(200);
            a.fault(SimFault.none());
            assertThat(a.port()).isEqualTo(port);
            assertThat(chat(a, "back").statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Timeout(20)
    void aDownInstanceResetsTheConnectionsItHeldLikeADeadProcess() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.defaults())) {
            s.loadScenario("rules:\n  - match: {lastUserText: slow}\n    reply: {text: \"a b c d e\", chunks: 5, "
                    + "chunkDelayMs: 2000}\n");
            try (Socket idle = new Socket("127.0.0.1", s.port()); Socket streaming = new Socket("127.0.0.1", s.port())) {
                idle.setSoTimeout(5000);
                streaming.setSoTimeout(5000);
                // a kept-alive connection that served one request and now waits for the next
                String done = exchange(idle, chatBody("hi", false));
                assertThat(done).startsWith("HTTP/1.1 200");
                // a stream that has its head and waits for its next chunk
                send(streaming, chatBody("slow", true));
                assertThat(readUntil(streaming, "data: ")).startsWith("HTTP/1.1 200");
                long t0 = System.nanoTime();
                s.fault(SimFault.down());
                streaming.setSoTimeout(1500); // its next chunk would come 2 s after the last
                assertThat(endOfConnection(streaming)).as("the stream is reset").isEqualTo("reset");
                idle.setSoTimeout(1500);
                assertThat(sendFails(idle) ? "reset" : endOfConnection(idle)).as("the kept-alive connection is reset")
                        .isEqualTo("reset");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            }
        }
    }

    /** Sends a request on {@code socket}; true when the write itself fails (the peer reset the connection). */
    private static boolean sendFails(Socket socket) {
        try {
            send(socket, chatBody("anyone there?", false));
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    private static void send(Socket socket, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /** Sends one request and reads its whole (non-streaming, Content-Length) answer. */
    private static String exchange(Socket socket, String body) throws Exception {
        send(socket, body);
        String head = readUntil(socket, "\r\n\r\n");
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(m.find()).isTrue();
        socket.getInputStream().readNBytes(Integer.parseInt(m.group(1)));
        return head;
    }

    /** Reads bytes until {@code marker} has been read; returns what was read. */
    private static String readUntil(Socket socket, String marker) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (sb.indexOf(marker) < 0) {
            int c = socket.getInputStream().read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** How the connection ends, whatever bytes come first: "eof", "reset", or "timeout" when it does not. */
    private static String endOfConnection(Socket socket) {
        try {
            byte[] buf = new byte[4096];
            while (socket.getInputStream().read(buf) >= 0) {
                // a chunk already on its way may still arrive
            }
            return "eof";
        } catch (java.net.SocketTimeoutException e) {
            return "timeout";
        } catch (java.io.IOException e) {
            return "reset";
        }
    }

    @Test
    void faultsAreControlledOverHttpIncludingAnotherInstanceOfTheFleet() throws Exception {
        try (SimFleet fleet = SimFleet.start(2, SimOptions.defaults())) {
            SimServer a = fleet.instance(0);
            SimServer b = fleet.instance(1);
            assertThat(postFault(a, "{\"mode\":\"down\",\"instance\":1}")).contains("\"instance\":1");
            assertThat(b.fault().mode()).isEqualTo(SimFault.Mode.DOWN);
            assertThatThrownBy(() -> chat(b, "x")).isInstanceOf(ConnectException.class);
            postFault(a, "{\"mode\":\"none\",\"instance\":1}");
            assertThat(chat(b, "x").statusCode()).isEqualTo(200);
            // an instance can take itself down over HTTP: it answers first
            assertThat(postFault(b, "{\"mode\":\"down\"}")).contains("\"mode\":\"down\"");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> chat(b, "x")).isInstanceOf(ConnectException.class));
            assertThat(postFault(a, "{\"mode\":\"bogus\"}")).contains("mode must be down, slow, 503 or none");
            b.fault(SimFault.none());
            // a fault with a duration clears itself
            postFault(b, "{\"mode\":\"503\",\"seconds\":2}");
            assertThat(chat(b, "x").statusCode()).isEqualTo(503);
            await().atMost(Duration.ofSeconds(10)).until(() -> chat(b, "x").statusCode() == 200);
        }
    }

    static String postFault(SimServer s, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(s.baseUri().resolve("/sim/fault")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void a503FaultAnswersEveryVllmRouteLikeAFullQueue() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.defaults())) {
            s.fault(SimFault.unavailable());
            HttpResponse<String> r = chat(s, "x");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Request queue full.\",\"type\":\"Service Unavailable\","
                    + "\"param\":null,\"code\":503}}");
            assertThat(HTTP.send(HttpRequest.newBuilder(s.baseUri().resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
            assertThat(get(s, "/metrics")).contains("vllm:num_requests_running");
            assertThat(get(s, "/sim/fault")).contains("\"mode\":\"503\"");
            s.fault(SimFault.none());
            assertThat(chat(s, "x").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aSlowFaultMultipliesPrefillAndDecode() throws Exception {
        SimOptions o = SimOptions.builder().prefillMicrosPerToken(10).decodeMicrosPerToken(10).build();
        try (SimServer s = SimServer.start(o)) {
            chat(s, "short one");
            s.fault(SimFault.slow(5));
            s.reset(); // same prompt, nothing cached: the same prefill as the first, five times over
            chat(s, "short one");
            s.fault(SimFault.none());
            chat(s, "short two");
            List<SimStats.RequestTiming> t = s.timings();
            assertThat(t).hasSize(2);
            assertThat(t.get(0).prefillMicros()).isEqualTo(5 * 10L * t.get(0).promptTokens());
            assertThat(t.get(0).decodeMicros()).isEqualTo(5 * 10L * t.get(0).completionTokens());
            assertThat(t.get(1).prefillMicros()).isEqualTo(10L * (t.get(1).promptTokens() - t.get(1).cachedTokens()));
        }
    }

    @Test
    @Timeout(60)
    void theCommandLineStartsAFleetAndPrintsEveryPort() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.tolk.sim.SimCommand",
                "--port", "0", "--instances", "3", "--max-num-seqs", "4", "--kv-blocks", "1000")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Set<Integer> ports = new HashSet<>();
            List<String> lines = new ArrayList<>();
            Pattern listening = Pattern.compile("^tolk-sim listening on http://127\\.0\\.0\\.1:(\\d+) \\(instance (\\d) of 3, .*");
            while (ports.size() < 3) {
                String line = out.readLine();
                assertThat(line).as("output so far: %s", lines).isNotNull();
                lines.add(line);
                Matcher m = listening.matcher(line);
                if (m.matches()) {
                    ports.add(Integer.parseInt(m.group(1)));
                }
            }
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep the pipe drained: it logs to stdout
            for (int port : ports) {
                HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
