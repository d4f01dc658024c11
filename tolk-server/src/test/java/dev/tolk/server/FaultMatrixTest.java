package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a client sees for every way the upstream can misbehave, as a table: the Anthropic status and
 * {@code error.type} before a stream starts, an {@code error} event once it has started, never a hang — and after
 * every fault the gateway answers the next request normally. Clients that vanish at each stage abort the upstream.
 */
class FaultMatrixTest {
    /** The upstream may stay silent this long (before its headers or between chunks) before the request fails. */
    // short enough to test, long enough for a cold JVM on a loaded 2-core CI box to produce its first byte
    static final Duration UPSTREAM_SILENCE = Duration.ofSeconds(3);
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayFixture f;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        f = new GatewayFixture(SimOptions.defaults(), c -> c.withTimeouts(Duration.ofSeconds(2), UPSTREAM_SILENCE));
        try {
            theGatewayStillAnswersNormally(); // warm: the first request of a JVM is slow
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    /**
     * One row: the simulator's reply, whether the client streams, and what it must get. {@code status} is the HTTP
     * status; for a stream that started (200), {@code errorType} is the type of the final {@code error} event, or
     * null when the stream must end normally with {@code message_stop}.
     */
    record Row(String name, String reply, boolean stream, int status, String errorType, String header) {
        @Override
        public String toString() {
            return name + (stream ? " (stream)" : "");
        }
    }

    static Stream<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (boolean stream : new boolean[] {false, true}) {
            rows.add(new Row("5xx", "{text: x, error: {status: 500, message: engine died}}", stream, 500, "api_error", null));
            rows.add(new Row("503 overloaded", "{text: x, error: {status: 503, message: busy}}", stream, 529,
                    "overloaded_error", null));
            rows.add(new Row("429 with retry-after", "{text: x, error: {status: 429, message: slow down, retryAfter: 7}}",
                    stream, 429, "rate_limit_error", "retry-after: 7"));
            rows.add(new Row("timeout before headers", "{text: x, fault: {type: stall_headers, seconds: 10}}", stream, 529,
                    "overloaded_error", null));
            rows.add(new Row("trickle one byte at a time", "{text: 'slow but whole', chunks: 3, fault: {type: trickle, afterChunks: 0}}",
                    stream, 200, null, null));
        }
        // once a stream has started, a failure can only be an error event
        rows.add(new Row("stall mid-stream", "{text: 'a b c d', chunks: 4, fault: {type: stall, afterChunks: 2, seconds: 30}}",
                true, 200, "api_error", null));
        rows.add(new Row("reset mid-stream", "{text: 'a b c d', chunks: 4, fault: {type: reset, afterChunks: 2}}",
                true, 200, "api_error", null));
        rows.add(new Row("garbage chunk", "{text: 'a b c d', chunks: 4, fault: {type: garbage, afterChunks: 2}}",
                true, 200, "api_error", null));
        rows.add(new Row("error chunk", "{text: 'a b c d', chunks: 4, error: {midStream: true, afterChunks: 2, code: 500, message: boom}}",
                true, 200, "api_error", null));
        rows.add(new Row("closes without [DONE]", "{text: 'a b c d', chunks: 4, fault: {type: eof, afterChunks: 2}}",
                true, 200, "api_error", null));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachUpstreamFaultGivesTheClientTheRightAnthropicError(Row row) throws Exception {
        f.sim.loadScenario("rules: [{reply: " + row.reply() + "}]");
        long t0 = System.nanoTime();
        HttpResponse<String> r = send(f.tolk.baseUri(), row.stream());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("FAULT " + row + " -> " + r.statusCode() + " in " + ms + " ms: " + r.body().replace('\n', '|'));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(row.status());
        if (row.status() == 200) {
            if (!row.stream()) {
                assertThat(JSON.readTree(r.body()).path("content").get(0).path("text").asText()).isEqualTo("slow but whole");
                theGatewayStillAnswersNormally();
                return;
            }
            List<String> events = events(r.body());
            assertThat(events).as(r.body()).first().isEqualTo("message_start");
            if (row.errorType() == null) {
                assertThat(events).last().isEqualTo("message_stop");
                assertThat(r.body()).contains("slow but whole".split(" ")[0]);
            } else {
                assertThat(events).as(r.body()).last().isEqualTo("error");
                assertThat(events).doesNotContain("message_stop");
                JsonNode error = lastData(r.body()).path("error");
                assertThat(error.path("type").asText()).isEqualTo(row.errorType());
                assertThat(error.path("message").asText()).as("no Jetty internals").doesNotContain("oejc", "@");
                assertThat(ms).as("a stall ends after the upstream silence timeout").isLessThan(15_000);
            }
        } else {
            JsonNode err = JSON.readTree(r.body());
            assertThat(err.path("type").asText()).isEqualTo("error");
            assertThat(err.path("error").path("type").asText()).isEqualTo(row.errorType());
            assertThat(r.headers().firstValue("request-id")).isPresent();
            if (row.header() != null) {
                String[] h = row.header().split(": ");
                assertThat(r.headers().firstValue(h[0])).contains(h[1]);
            }
        }
        theGatewayStillAnswersNormally();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.sim.stats().active() == 0);
    }

    @Test
    void anUpstreamThatRefusesConnectionsIs529Overloaded() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (TolkServer down = TolkServer.start(GatewayConfig.defaults(URI.create("http://127.0.0.1:" + closedPort))
                .withPort(0).withDefaultModel("m"))) {
            for (boolean stream : new boolean[] {false, true}) {
                HttpResponse<String> r = send(down.baseUri(), stream);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(529);
                assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("overloaded_error");
            }
        }
    }

    @Test
    void aClientThatLeavesDuringPrefillAbortsTheUpstream() throws Exception {
        f.sim.reset();
        f.sim.loadScenario("rules: [{reply: {text: late, fault: {type: stall, afterChunks: 0, seconds: 1.5}, chunks: 200, chunkDelayMs: 50}}]");
        leaveAfterBytes(f, true, 0);
    }

    @Test
    void aClientThatLeavesMidStreamAbortsTheUpstream() throws Exception {
        f.sim.reset();
        f.sim.loadScenario("rules: [{reply: {text: '" + "w ".repeat(200) + "', chunks: 200, chunkDelayMs: 50}}]");
        leaveAfterBytes(f, true, 1500);
    }

    @Test
    void aClientThatLeavesDuringANonStreamingRequestAbortsTheUpstream() throws Exception {
        // 2 s of prefill per prompt token keeps the non-streaming upstream request open for a long time
        try (GatewayFixture slow = new GatewayFixture(SimOptions.builder().prefillMicrosPerToken(2_000_000).build(), c -> c)) {
            leaveAfterBytes(slow, false, 0);
        }
    }

    /** Sends a request on a raw socket, reads {@code bytes} of the answer, vanishes; the upstream must be aborted. */
    private static void leaveAfterBytes(GatewayFixture g, boolean stream, int bytes) throws Exception {
        String body = "{\"model\":\"m\",\"max_tokens\":1000,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
        try (Socket s = new Socket("127.0.0.1", g.tolk.port())) {
            s.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> g.sim.stats().active() == 1); // slow only under load
            InputStream in = s.getInputStream();
            in.readNBytes(bytes);
        }
        // the upstream would go on for 10 s or more: ending well before means the gateway aborted it
        await().atMost(Duration.ofSeconds(8)).until(() -> g.sim.stats().aborted() == 1 && g.sim.stats().active() == 0);
        assertThat(g.sim.stats().completed()).isZero();
        if (g == f) {
            theGatewayStillAnswersNormally();
        }
    }

    private static void theGatewayStillAnswersNormally() throws Exception {
        f.sim.loadScenario("rules: [{reply: {text: 'all good'}}]");
        HttpResponse<String> ok = send(f.tolk.baseUri(), false);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("all good");
        f.sim.reset();
    }

    private static HttpResponse<String> send(URI base, boolean stream) throws Exception {
        String body = "{\"model\":\"m\",\"max_tokens\":100,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/messages")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> events(String sse) {
        List<String> names = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("event: ")) {
                String name = line.substring(7).trim();
                if (!name.equals("ping")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static JsonNode lastData(String sse) throws Exception {
        String last = null;
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) {
                last = line.substring(6);
            }
        }
        return JSON.readTree(last);
    }
}
