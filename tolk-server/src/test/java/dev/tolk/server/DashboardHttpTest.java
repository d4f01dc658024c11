package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import dev.tolk.server.cli.TolkMain;
import dev.tolk.server.http.AdminSessions;
import dev.tolk.server.http.FinishedRequest;
import dev.tolk.sim.SimOptions;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The dashboard's routes over HTTP: login and logout, the state, its event stream, /admin/sessions, tolk sessions. */
class DashboardHttpTest {
    private static final String ADMIN_KEY = "admin-secret-for-the-dashboard";
    private static final String STREAM = "{\"model\":\"m\",\"max_tokens\":50,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String NON_STREAM = STREAM.replace("\"stream\":true", "\"stream\":false");

    private static GatewayFixture withAdminKey() {
        return new GatewayFixture(SimOptions.defaults(), c -> c.toBuilder().adminKey(ADMIN_KEY).build());
    }

    private static HttpResponse<String> send(GatewayFixture g, HttpRequest.Builder b) throws Exception {
        return g.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder form(GatewayFixture g, String path, String body) {
        return HttpRequest.newBuilder(g.tolk.baseUri().resolve(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpRequest.Builder get(GatewayFixture g, String path) {
        return HttpRequest.newBuilder(g.tolk.baseUri().resolve(path)).GET();
    }

    private static String cookieValue(String setCookie) {
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    @Test
    void theLoginFormTradesTheAdminKeyForAnHttpOnlyCookieAndLogoutEndsIt() throws Exception {
        try (GatewayFixture g = withAdminKey()) {
            HttpResponse<String> page = send(g, get(g, "/dashboard/login"));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<form").contains("method=\"post\"").contains("name=\"key\"");
            // a key in the URL is never taken
            HttpResponse<String> inUrl = send(g, get(g, "/dashboard/login?key=" + ADMIN_KEY));
            assertThat(inUrl.headers().firstValue("set-cookie")).isEmpty();

            HttpResponse<String> wrong = send(g, form(g, "/dashboard/login", "key=not-it"));
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("not the admin key").doesNotContain("not-it");
            assertThat(wrong.headers().firstValue("set-cookie")).isEmpty();

            HttpResponse<String> ok = send(g, form(g, "/dashboard/login", "key=" + ADMIN_KEY));
            assertThat(ok.statusCode()).isEqualTo(303);
            assertThat(ok.headers().firstValue("location")).contains("/dashboard");
            String setCookie = ok.headers().firstValue("set-cookie").orElseThrow();
            assertThat(setCookie).startsWith(AdminSessions.COOKIE + "=").contains("; HttpOnly")
                    .contains("; SameSite=Strict").contains("; Path=/").doesNotContain("Secure")
                    .doesNotContain(ADMIN_KEY);
            String cookie = AdminSessions.COOKIE + "=" + cookieValue(setCookie);

            HttpResponse<String> dashboard = send(g, get(g, "/dashboard").header("cookie", cookie));
            assertThat(dashboard.statusCode()).isEqualTo(200);
            assertThat(dashboard.headers().firstValue("content-security-policy").orElseThrow())
                    .contains("script-src 'self'");
            assertThat(dashboard.body()).contains("/dashboard/dashboard.js").doesNotContain("http://")
                    .doesNotContain("https://");
            assertThat(send(g, get(g, "/dashboard/dashboard.js").header("cookie", cookie)).statusCode()).isEqualTo(200);
            assertThat(send(g, get(g, "/dashboard/state.json").header("cookie", cookie)).statusCode()).isEqualTo(200);
            assertThat(send(g, get(g, "/admin/sessions").header("cookie", cookie)).statusCode()).isEqualTo(200);
            // the login form's stylesheet is open; the script and the state are not
            assertThat(send(g, get(g, "/dashboard/dashboard.css")).statusCode()).isEqualTo(200);
            assertThat(send(g, get(g, "/dashboard/dashboard.js")).statusCode()).isEqualTo(303);
            assertThat(send(g, get(g, "/dashboard/state.json")).statusCode()).isEqualTo(303);

            HttpResponse<String> out = send(g, form(g, "/dashboard/logout", "").header("cookie", cookie));
            assertThat(out.statusCode()).isEqualTo(303);
            assertThat(out.headers().firstValue("location")).contains("/dashboard/login");
            assertThat(out.headers().firstValue("set-cookie").orElseThrow()).contains("Max-Age=0");
            assertThat(send(g, get(g, "/dashboard").header("cookie", cookie)).statusCode()).isEqualTo(303);
        }
    }

    @Test
    void behindAnHttpsProxyTheCookieIsSecure() throws Exception {
        try (GatewayFixture g = withAdminKey()) {
            HttpResponse<String> ok = send(g, form(g, "/dashboard/login", "key=" + ADMIN_KEY)
                    .header("x-forwarded-proto", "https"));
            assertThat(ok.headers().firstValue("set-cookie").orElseThrow()).contains("; Secure");
        }
    }

    @Test
    void theStateCountsUpstreamsKeysSessionsAndKeepsTheLatestErrors() throws Exception {
        try (GatewayFixture g = new GatewayFixture()) {
            for (int i = 0; i < 3; i++) {
                assertThat(g.post("/v1/messages", STREAM, "x-claude-code-session-id", "session-a").statusCode())
                        .isEqualTo(200);
            }
            assertThat(g.post("/v1/messages", NON_STREAM, "x-claude-code-session-id", "session-b").statusCode())
                    .isEqualTo(200);
            HttpResponse<String> bad = g.post("/v1/messages", "{\"model\":");
            assertThat(bad.statusCode()).isEqualTo(400);

            // the numbers hear of a request as its exchange completes, which may follow the client's answer
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> Json.MAPPER
                    .readTree(g.get("/dashboard/state.json").body()).at("/totals/requests").asLong() >= 5);
            JsonNode state = Json.MAPPER.readTree(g.get("/dashboard/state.json").body());
            assertThat(state.at("/totals/requests").asLong()).isEqualTo(5);
            assertThat(state.at("/totals/errors").asLong()).isEqualTo(1);
            assertThat(state.at("/totals/output_tokens").asLong()).isPositive();
            JsonNode upstream = state.at("/upstreams/0");
            assertThat(upstream.path("up").asBoolean()).isTrue();
            assertThat(upstream.path("url").asText()).isEqualTo(g.sim.baseUri().toString());
            assertThat(upstream.at("/hour/requests").asLong()).isEqualTo(4);
            assertThat(upstream.at("/hour/ttft_p50_ms").asDouble()).isPositive();
            assertThat(upstream.at("/hour/requests_by_minute")).hasSize(60);
            assertThat(state.at("/usage/source").asText()).isEqualTo("since start");
            assertThat(state.at("/usage/keys/0/key").asText()).isEqualTo("-");
            assertThat(state.at("/usage/keys/0/requests").asLong()).isEqualTo(5);
            JsonNode sessions = state.at("/usage/sessions");
            assertThat(sessions).hasSize(2);
            assertThat(sessions.at("/0/session").asText()).isEqualTo("session-b"); // the latest first
            assertThat(sessions.at("/1/session").asText()).isEqualTo("session-a");
            assertThat(sessions.at("/1/turns").asLong()).isEqualTo(3);
            assertThat(sessions.at("/1/ttft_p50_ms").asLong()).isNotNegative();
            JsonNode error = state.at("/errors/0");
            assertThat(error.path("request_id").asText())
                    .isEqualTo(bad.headers().firstValue("request-id").orElseThrow());
            assertThat(error.path("status").asInt()).isEqualTo(400);
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asText()).contains("JSON");
        }
    }

    @Test
    void aRunningStreamShowsWithItsTokensSoFar() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.builder().chunkDelayMillis(100).defaultChunks(30).build(),
                c -> c)) {
            CompletableFuture<HttpResponse<String>> running = g.http.sendAsync(HttpRequest.newBuilder(
                            g.tolk.baseUri().resolve("/v1/messages")).header("content-type", "application/json")
                    .header("x-claude-code-session-id", "live-session")
                    .POST(HttpRequest.BodyPublishers.ofString(STREAM)).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode s = Json.MAPPER.readTree(g.get("/dashboard/state.json").body()).at("/streams/0");
                assertThat(s.path("session").asText()).isEqualTo("live-session");
                assertThat(s.path("client_model").asText()).isEqualTo("m");
                assertThat(s.path("output_chunks").asLong()).isGreaterThan(2);
                assertThat(s.path("elapsed_ms").asLong()).isPositive();
            });
            assertThat(running.get().statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(g.get("/dashboard/state.json").body()).path("streams")).isEmpty();
        }
    }

    @Test
    void theEventStreamSendsTheStateEachSecondAndEndsWhenTheClientLeaves() throws Exception {
        try (GatewayFixture g = new GatewayFixture()) {
            Queue<FinishedRequest> ended = new ConcurrentLinkedQueue<>();
            g.tolk.addRequestListener(ended::add);
            HttpResponse<InputStream> events = g.http.send(get(g, "/dashboard/events").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(events.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
            String id = events.headers().firstValue("request-id").orElseThrow();
            BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));
            long first = readEvent(lines).path("now").asLong();
            long second = readEvent(lines).path("now").asLong();
            assertThat(second - first).isBetween(500L, 3000L);
            assertThat(ended).noneMatch(r -> r.requestId().equals(id));
            events.body().close();
            // the gateway notices at its next write, within about a second, and ends the request
            await().atMost(Duration.ofSeconds(5)).until(() -> ended.stream().anyMatch(r -> r.requestId().equals(id)));
            // HEAD: the headers, and the request ends
            HttpResponse<String> head = send(g, HttpRequest.newBuilder(g.tolk.baseUri().resolve("/dashboard/events"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)));
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        }
    }

    @Test
    void shutdownEndsOpenEventStreamsAtOnce() throws Exception {
        GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.withShutdownGrace(Duration.ofSeconds(10)));
        HttpResponse<InputStream> events = g.http.send(get(g, "/dashboard/events").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));
        readEvent(lines);
        long start = System.nanoTime();
        g.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;
        String line;
        try {
            while ((line = lines.readLine()) != null) {
                assertThat(line).doesNotContain("\"error\"");
            }
        } catch (java.io.IOException endedByTheServer) {
            // a closed connection is an ended stream too
        }
        assertThat(closeMillis).as("close with an open event stream and a 10 s grace").isLessThan(3000);
    }

    private static JsonNode readEvent(BufferedReader lines) throws Exception {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("data: ")) {
                return Json.MAPPER.readTree(line.substring("data: ".length()));
            }
        }
        throw new AssertionError("the event stream ended");
    }

    @Test
    void adminSessionsAndTheSessionsCommandListTheRecentSessions() throws Exception {
        try (GatewayFixture g = withAdminKey()) {
            for (String s : List.of("first-session", "second-session", "second-session")) {
                assertThat(g.post("/v1/messages", STREAM, "x-claude-code-session-id", s).statusCode()).isEqualTo(200);
            }
            assertThat(send(g, get(g, "/admin/sessions")).statusCode()).isEqualTo(401);
            // the session numbers hear of a request as its exchange completes, which may follow the client's answer
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Json.MAPPER.readTree(send(g,
                    get(g, "/admin/sessions?limit=1").header("x-api-key", ADMIN_KEY)).body()).at("/sessions/0/turns")
                    .asLong() == 2);
            HttpResponse<String> one = send(g, get(g, "/admin/sessions?limit=1").header("x-api-key", ADMIN_KEY));
            JsonNode sessions = Json.MAPPER.readTree(one.body()).path("sessions");
            assertThat(sessions).hasSize(1);
            assertThat(sessions.at("/0/session").asText()).isEqualTo("second-session");
            assertThat(sessions.at("/0/turns").asLong()).isEqualTo(2);
            assertThat(sessions.at("/0/client_models/0").asText()).isEqualTo("m");
            assertThat(send(g, get(g, "/admin/sessions?limit=0").header("x-api-key", ADMIN_KEY)).statusCode())
                    .isEqualTo(400);

            String url = g.tolk.baseUri().toString();
            Run table = sessions("--url", url, "--admin-key", ADMIN_KEY);
            assertThat(table.exit).isZero();
            assertThat(table.out).contains("SESSION").contains("TURNS").contains("TTFT P50")
                    .contains("first-session").contains("second-session").contains("2 session(s)");
            assertThat(table.out.indexOf("second-session")).isLessThan(table.out.indexOf("first-session"));
            Run json = sessions("--url", url, "--admin-key", ADMIN_KEY, "--json", "--limit", "1");
            assertThat(Json.MAPPER.readTree(json.out).path("sessions")).hasSize(1);
            Run refused = sessions("--url", url, "--admin-key", "wrong");
            assertThat(refused.exit).isEqualTo(1);
            assertThat(refused.err).contains("admin key");
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run sessions(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 1];
            all[0] = "sessions";
            System.arraycopy(args, 0, all, 1, args.length);
            exit = TolkMain.commandLine().execute(all);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
