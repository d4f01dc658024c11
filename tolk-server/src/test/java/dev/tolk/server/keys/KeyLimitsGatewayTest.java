package dev.tolk.server.keys;

import static dev.tolk.server.keys.KeyGateway.body;
import static dev.tolk.server.keys.KeyGateway.limits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.MessageCreateParams;
import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.sim.SimOptions;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client keys' limits over real HTTP: before any upstream call, with the errors clients react to. */
class KeyLimitsGatewayTest {
    private KeyGateway g;

    @BeforeEach
    void start() {
        g = new KeyGateway(SimOptions.defaults(), b -> b);
        // "slow" streams for about 3 s; "boom" is a 500 from the upstream; anything else answers at once
        g.sim.loadScenario("rules: [{match: {lastUserText: slow}, reply: {text: 'a b c d e f', chunks: 6, "
                + "chunkDelayMs: 500}}, {match: {lastUserText: hog}, reply: {text: '" + "word ".repeat(40) + "', chunks: 40, chunkDelayMs: 500}}, "
                + "{match: {lastUserText: stall}, reply: {text: 'x', fault: {type: stall_headers, seconds: 8}}}, "
                + "{match: {lastUserText: boom}, reply: {error: {status: 500, message: broken}}}]");
    }

    @AfterEach
    void stop() {
        g.close();
    }

    private CompletableFuture<HttpResponse<String>> slow(String key) {
        return g.http.sendAsync(g.request(key, "/v1/messages", body("slow", true)),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The upstream's chat calls (not its model list). */
    private long upstreamCalls() {
        return g.sim.requests().stream().filter(e -> "POST".equals(e.method())).count();
    }

    /** Sends {@code body} on a socket of its own and keeps it open; closing it is a client that left. */
    private java.net.Socket raw(String key, String body) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", g.tolk.port());
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: t\r\ncontent-type: application/json\r\n"
                + "x-api-key: sk-" + key + "\r\ncontent-length: " + b.length + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s;
    }

    private void awaitInFlight(ClientKey k, int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> g.counters.usage(k, System.currentTimeMillis()).inFlight() == n);
    }

    @Test
    void overMaxConcurrentIs429WithRetryAfterBeforeAnyUpstreamCall() throws Exception {
        ClientKey k = g.key("alice", limits(1, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> first = slow("alice");
        awaitInFlight(k, 1);
        long upstream = upstreamCalls();
        HttpResponse<String> r = g.post("alice", "/v1/messages", body("hi", false));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.body()).contains("\"type\":\"rate_limit_error\"", "max-concurrent", "request_id");
        assertThat(upstreamCalls()).isEqualTo(upstream);
        assertThat(g.post("bob-has-no-key", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(401);
        assertThat(first.get().statusCode()).isEqualTo(200);
        awaitInFlight(k, 0);
        assertThat(g.post("alice", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200);
    }

    @Test
    void overRequestsPerMinuteIs429UntilTheNextMinute() throws Exception {
        long msIntoMinute = System.currentTimeMillis() % 60_000;
        if (msIntoMinute > 45_000) { // both requests in one UTC minute, even on a slow machine // the three requests must fall into one UTC minute
            Thread.sleep(60_500 - msIntoMinute);
        }
        g.key("alice", limits(0, 2, 0, 0, null, 1, List.of()));
        assertThat(g.post("alice", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200);
        assertThat(g.post("alice", "/v1/messages", body("hi", true)).statusCode()).isEqualTo(200);
        long upstream = upstreamCalls();
        HttpResponse<String> r = g.post("alice", "/v1/messages", body("hi", false));
        long expected = (60_000 - System.currentTimeMillis() % 60_000 + 999) / 1000;
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("rate_limit_error", "2 requests per minute");
        assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow()))
                .isBetween(Math.max(1, expected - 1), expected + 1);
        assertThat(upstreamCalls()).isEqualTo(upstream);
    }

    @Test
    void overTokensPerMinuteIs429() throws Exception {
        long msIntoMinute = System.currentTimeMillis() % 60_000;
        if (msIntoMinute > 45_000) { // both requests in one UTC minute, even on a slow machine
            Thread.sleep(60_500 - msIntoMinute);
        }
        g.key("alice", limits(0, 0, 10, 0, null, 1, List.of()));
        assertThat(g.post("alice", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200); // uses > 10
        HttpResponse<String> r = g.post("alice", "/v1/messages", body("hi", false));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("10 tokens per minute");
    }

    @Test
    void aSpentBudgetIs402BillingErrorNamingTheBudgetAndWhenItRenews() throws Exception {
        g.key("alice", limits(0, 0, 0, 5, BudgetPeriod.DAY, 1, List.of()));
        assertThat(g.post("alice", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200); // spends > 5
        long upstream = upstreamCalls();
        HttpResponse<String> r = g.post("alice", "/v1/messages", body("hi", true));
        assertThat(r.statusCode()).isEqualTo(402);
        assertThat(r.headers().firstValue("retry-after")).isEmpty();
        String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1) + "T00:00:00Z";
        assertThat(r.body()).contains("\"type\":\"billing_error\"",
                "key alice has spent its daily token budget of 5 tokens; it renews at " + tomorrow + " (UTC)");
        assertThat(upstreamCalls()).isEqualTo(upstream);
    }

    @Test
    void aModelOutsideTheKeysGlobsIs403ForMessagesAndCountTokens() throws Exception {
        g.key("alice", limits(0, 0, 0, 0, null, 1, List.of("claude-haiku-*")));
        HttpResponse<String> r = g.post("alice", "/v1/messages", body("claude-opus-5-5", "hi", true));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"type\":\"permission_error\"", "claude-opus-5-5", "claude-haiku-*");
        HttpResponse<String> c = g.post("alice", "/v1/messages/count_tokens",
                "{\"model\":\"claude-opus-5-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(c.statusCode()).isEqualTo(403);
        assertThat(upstreamCalls()).isZero();
        assertThat(g.post("alice", "/v1/messages", body("claude-haiku-4-5", "hi", false)).statusCode()).isEqualTo(200);
    }

    @Test
    void theAnthropicSdkDoesNotRetryTheBudgetErrorAndRetriesThe429() throws Exception {
        g.key("spent", limits(0, 0, 0, 1, BudgetPeriod.MONTH, 1, List.of()));
        assertThat(g.post("spent", "/v1/messages", body("hi", false)).statusCode()).isEqualTo(200);
        MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(50)
                .addUserMessage("hi").build();
        // the listeners hear of a request as its exchange completes, which may be after the client had its answer
        await().atMost(Duration.ofSeconds(2)).until(() -> g.gatewayRequests.get() == 1);
        int before = g.gatewayRequests.get();
        assertThatThrownBy(() -> g.sdk("spent").messages().create(params))
                .isInstanceOf(AnthropicServiceException.class)
                .satisfies(e -> assertThat(((AnthropicServiceException) e).statusCode()).isEqualTo(402))
                .hasMessageContaining("monthly token budget");
        await().atMost(Duration.ofSeconds(2)).until(() -> g.gatewayRequests.get() == before + 1);
        Thread.sleep(300);
        assertThat(g.gatewayRequests.get()).isEqualTo(before + 1); // one request: no retry

        ClientKey busy = g.key("busy", limits(1, 0, 0, 0, null, 1, List.of()));
        CompletableFuture<HttpResponse<String>> hog = g.http.sendAsync(g.request("busy", "/v1/messages",
                body("hog", true)), HttpResponse.BodyHandlers.ofString());
        awaitInFlight(busy, 1);
        int before429 = g.gatewayRequests.get();
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> g.sdk("busy").messages().create(params));
        assertThat(refused).as(() -> "the hog's answer, if it ended: "
                + (hog.isDone() ? hog.join().body() : "(still running)")).isInstanceOf(RateLimitException.class);
        // the first try and the SDK's 2 retries (the listeners may hear of the last one just after the client)
        await().atMost(Duration.ofSeconds(2)).until(() -> g.gatewayRequests.get() >= before429 + 3);
        Thread.sleep(300);
        assertThat(g.gatewayRequests.get()).isEqualTo(before429 + 3);
        assertThat(g.counters.usage(busy, System.currentTimeMillis()).inFlight()).isEqualTo(1); // still the hog
    }

    @Test
    void theSlotComesBackAfterAnUpstreamErrorAClientThatLeftAndABadRequest() throws Exception {
        ClientKey k = g.key("alice", limits(1, 0, 0, 0, null, 1, List.of()));
        long now = System.currentTimeMillis();
        // the upstream fails
        assertThat(g.post("alice", "/v1/messages", body("boom", true)).statusCode()).isEqualTo(500);
        awaitInFlight(k, 0);
        // a client that leaves mid-stream (the upstream would stream for 8 s more)
        try (java.net.Socket mid = raw("alice", body("hog", true))) {
            byte[] head = new byte[256];
            assertThat(new String(head, 0, mid.getInputStream().read(head))).startsWith("HTTP/1.1 200");
            awaitInFlight(k, 1);
        }
        awaitInFlight(k, 0);
        // a client that leaves before the upstream answered a non-streaming request
        try (java.net.Socket gone = raw("alice", body("stall", false))) {
            awaitInFlight(k, 1);
        }
        awaitInFlight(k, 0);
        // a request refused by translation never took one
        assertThat(g.post("alice", "/v1/messages", "{\"model\":\"m\"}").statusCode()).isEqualTo(400);
        assertThat(g.counters.usage(k, System.currentTimeMillis()).inFlight()).isZero();
        assertThat(g.post("alice", "/v1/messages", body("hi", true)).statusCode()).isEqualTo(200);
        assertThat(g.counters.usage(k, System.currentTimeMillis()).requestsLastMinute()).isGreaterThanOrEqualTo(
                now / 60_000 == System.currentTimeMillis() / 60_000 ? 4 : 0);
    }

    @Test
    void aKeyWithoutLimitsIsNeverCounted() throws Exception {
        ClientKey free = g.key("free", KeyLimits.NONE);
        for (int i = 0; i < 5; i++) {
            assertThat(g.post("free", "/v1/messages", body("hi", i % 2 == 0)).statusCode()).isEqualTo(200);
        }
        assertThat(g.counters.usage(free, Instant.now().toEpochMilli()))
                .isEqualTo(dev.tolk.core.keys.KeyUsage.NONE);
    }
}
