package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.server.cli.TolkMain;
import dev.tolk.sim.SimOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The usage ledger in a SQLite store: what a gateway records, what survives its restart, and how it is read back. */
class UsageLedgerGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":20,%s"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    @TempDir
    Path dir;

    private HttpResponse<String> message(GatewayFixture g, boolean stream, String key, String session)
            throws Exception {
        return g.post("/v1/messages", BODY.formatted(stream ? "\"stream\":true," : ""),
                "x-api-key", key, "x-claude-code-session-id", session);
    }

    @Test
    void aGatewayRestartKeepsTheLedgerAndUsageReportsEveryRequestOfBothLives() throws Exception {
        String db = dir.resolve("tolk.db").toString();
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().database(db).apiKeys(List.of("key-one", "key-two")).build())) {
            for (int i = 0; i < 3; i++) {
                assertThat(message(g, i % 2 == 0, "key-one", "session-a").statusCode()).isEqualTo(200);
            }
            assertThat(message(g, true, "key-two", "session-b").statusCode()).isEqualTo(200);
            // a client mistake is a ledger row with its status; a count and an unauthenticated call are not
            assertThat(g.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\"}", "x-api-key", "key-two",
                    "x-claude-code-session-id", "session-b").statusCode()).isEqualTo(400);
            assertThat(g.post("/v1/messages/count_tokens", BODY.formatted(""), "x-api-key", "key-one").statusCode())
                    .isEqualTo(200);
            assertThat(message(g, false, "no-such-key", "session-c").statusCode()).isEqualTo(401);

            assertThat(g.tolk.usageLedger().orElseThrow().flush(Duration.ofSeconds(10))).isTrue();
            String metrics = g.get("/metrics").body();
            assertThat(metrics).contains("tolk_ledger_written_total 5.0").contains("tolk_ledger_dropped_total 0.0")
                    .contains("tolk_ledger_pending 0.0");

            JsonNode byKey = JSON.readTree(g.get("/admin/usage?by=key&since=1h").body());
            assertThat(byKey.path("by").asText()).isEqualTo("key");
            assertThat(byKey.path("total").path("requests").asLong()).isEqualTo(5);
            assertThat(byKey.path("total").path("errors").asLong()).isEqualTo(1);
            JsonNode first = byKey.path("groups").get(0);
            assertThat(first.path("key").asText()).isEqualTo("api-key-1");
            assertThat(first.path("requests").asLong()).isEqualTo(3);
            assertThat(first.path("input_tokens").asLong() + first.path("cached_tokens").asLong()).isPositive();
            assertThat(first.path("output_tokens").asLong()).isPositive();
            assertThat(first.path("ttft_p50_ms").isNumber()).isTrue();
            assertThat(g.get("/admin/usage?by=team").statusCode()).isEqualTo(400);
            assertThat(g.get("/admin/usage?since=yesterday").body()).contains("invalid_request_error");
        }

        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().database(db).apiKeys(List.of("key-one", "key-two")).build())) {
            assertThat(message(g, true, "key-two", "session-b").statusCode()).isEqualTo(200);
            // closing the gateway flushes the ledger within the shutdown grace
        }

        assertThat(usage("--db", db, "--by", "session", "--json")).as(err::toString).isZero();
        JsonNode bySession = JSON.readTree(out.toString());
        assertThat(bySession.path("total").path("requests").asLong()).as("both lives of the gateway").isEqualTo(6);
        assertThat(bySession.path("groups")).extracting(n -> n.path("session").asText() + "=" + n.path("requests"))
                .containsExactly("session-a=3", "session-b=3");

        assertThat(usage("--db", db, "--by", "key", "--since", "1d")).isZero();
        List<String> table = out.toString().lines().toList();
        assertThat(table.get(0)).startsWith("usage since ");
        assertThat(table.get(1)).matches("KEY +REQUESTS +ERRORS +INPUT +CACHED +OUTPUT +CACHE +TTFT P50");
        assertThat(table.get(2)).matches("api-key-1 +3 +0 .* ms");
        assertThat(table.get(3)).matches("api-key-2 +3 +1 .* ms");
        assertThat(table.get(5)).matches("total +6 +1 .*");

        assertThat(usage("--db", db, "--by", "day", "--csv")).isZero();
        assertThat(out.toString().lines().toList()).hasSize(2).first().isEqualTo(
                "day,requests,errors,input_tokens,cached_tokens,output_tokens,cache_share,ttft_p50_ms");

        assertThat(usage("--db", db, "--by", "team")).isEqualTo(2);
        assertThat(err.toString()).contains("use key, session, model, upstream or day");
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** {@code tolk usage ARGS} as a fresh process would run it; its output in {@link #out}, errors in {@link #err}. */
    private int usage(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cl = TolkMain.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "usage";
        System.arraycopy(args, 0, all, 1, args.length);
        return cl.execute(all);
    }

    @Test
    void withAStoreTheSessionsAndTheDashboardsUsageComeFromTheLedgerAcrossARestart() throws Exception {
        String db = dir.resolve("sessions.db").toString();
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().database(db).apiKeys(List.of("key-one")).build())) {
            for (int i = 0; i < 3; i++) {
                assertThat(message(g, true, "key-one", "session-before").statusCode()).isEqualTo(200);
            }
            assertThat(g.tolk.usageLedger().orElseThrow().flush(Duration.ofSeconds(10))).isTrue();
        }
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().database(db).apiKeys(List.of("key-one")).build())) {
            // this life has served nothing yet: what /admin/sessions shows comes from the ledger
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode sessions = JSON.readTree(g.get("/admin/sessions").body());
                assertThat(sessions.path("source").asText()).startsWith("ledger");
                assertThat(sessions.path("sessions")).hasSize(1);
                JsonNode s = sessions.path("sessions").get(0);
                assertThat(s.path("session").asText()).isEqualTo("session-before");
                assertThat(s.path("key").asText()).isEqualTo("api-key-1");
                assertThat(s.path("turns").asLong()).isEqualTo(3);
                assertThat(s.path("output_tokens").asLong()).isPositive();
                assertThat(s.path("ttft_p50_ms").asLong()).isNotNegative();
                assertThat(s.path("client_models").get(0).asText()).isEqualTo("claude-sonnet-4-5");
            });
            JsonNode state = JSON.readTree(g.get("/dashboard/state.json").body());
            assertThat(state.toString()).contains("api-key-1").contains("ledger");
        }
    }

    @Test
    void withoutAStoreAdminUsageSaysSoAndWithAnAdminKeyItNeedsTheKey() throws Exception {
        try (GatewayFixture g = new GatewayFixture()) {
            HttpResponse<String> r = g.get("/admin/usage");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("--db");
        }
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().database(dir.resolve("t.db").toString()).adminKey("admin-secret").build())) {
            assertThat(g.get("/admin/usage").statusCode()).isEqualTo(401);
            HttpResponse<String> r = g.http.send(java.net.http.HttpRequest.newBuilder(
                            g.tolk.baseUri().resolve("/admin/usage?by=day")).header("x-api-key", "admin-secret")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("groups").isArray()).isTrue();
        }
    }
}
