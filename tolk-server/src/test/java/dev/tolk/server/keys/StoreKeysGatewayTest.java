package dev.tolk.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store keys in a running gateway on a real SQLite file: the admin API, authentication, revocation, a restart. */
class StoreKeysGatewayTest {
    static final String MESSAGE = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    SimServer sim;

    @BeforeEach
    void sim() {
        sim = SimServer.start(SimOptions.defaults());
    }

    @AfterEach
    void stopSim() {
        sim.close();
    }

    TolkServer gateway(String db, List<String> staticKeys) {
        return TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0).withApiKeys(staticKeys)
                .withShutdownGrace(Duration.ofSeconds(1)).toBuilder().database(db).build());
    }

    static HttpResponse<String> send(URI base, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        b.header("content-type", "application/json").header("anthropic-version", "2023-06-01");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int message(URI base, String key) throws Exception {
        return key == null ? send(base, "POST", "/v1/messages", MESSAGE).statusCode()
                : send(base, "POST", "/v1/messages", MESSAGE, "x-api-key", key).statusCode();
    }

    static String create(URI base, String body) throws Exception {
        HttpResponse<String> r = send(base, "POST", "/admin/keys", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).get("secret").asText();
    }

    @Test
    void aGatewayWithAnEmptyStoreIsOpenAsBeforeAndTheFirstKeyClosesIt() throws Exception {
        try (TolkServer tolk = gateway(dir.resolve("tolk.db").toString(), List.of())) {
            URI base = tolk.baseUri();
            assertThat(tolk.store().isOpen()).isTrue();
            assertThat(message(base, null)).isEqualTo(200);

            String secret = create(base, "{\"name\":\"alice\",\"max_concurrent\":2,\"budget_tokens\":1000,"
                    + "\"budget_period\":\"week\",\"models\":[\"claude-*\"]}");
            assertThat(secret).startsWith("tolk_");
            assertThat(message(base, null)).isEqualTo(401);
            assertThat(message(base, "tolk_wrong")).isEqualTo(401);
            assertThat(message(base, secret)).isEqualTo(200);
            assertThat(send(base, "POST", "/v1/messages", MESSAGE, "authorization", "Bearer " + secret).statusCode())
                    .isEqualTo(200);

            JsonNode shown = Json.MAPPER.readTree(send(base, "GET", "/admin/keys/alice", null).body());
            assertThat(shown.get("max_concurrent").asInt()).isEqualTo(2);
            assertThat(shown.get("budget_period").asText()).isEqualTo("week");
            assertThat(shown.has("secret")).isFalse();
            assertThat(shown.toString()).doesNotContain(secret);
            JsonNode list = Json.MAPPER.readTree(send(base, "GET", "/admin/keys", null).body());
            assertThat(list.get("data")).hasSize(1);

            HttpResponse<String> patched = send(base, "PATCH", "/admin/keys/alice", "{\"priority\":4}");
            assertThat(patched.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(patched.body()).get("priority").asInt()).isEqualTo(4);
            assertThat(Json.MAPPER.readTree(patched.body()).get("max_concurrent").asInt()).isEqualTo(2);

            assertThat(send(base, "DELETE", "/admin/keys/alice", null).statusCode()).isEqualTo(200);
            assertThat(message(base, secret)).as("a revoked key").isEqualTo(401);
            // revoking the last key does not open the gateway again
            assertThat(message(base, null)).isEqualTo(401);
        }
    }

    @Test
    void theAdminApiAnswersMistakesWithAnthropicErrors() throws Exception {
        try (TolkServer tolk = gateway(dir.resolve("tolk.db").toString(), List.of())) {
            URI base = tolk.baseUri();
            create(base, "{\"name\":\"alice\"}");
            HttpResponse<String> taken = send(base, "POST", "/admin/keys", "{\"name\":\"alice\"}");
            assertThat(taken.statusCode()).isEqualTo(409);
            assertThat(taken.body()).contains("\"type\":\"error\"").contains("invalid_request_error");
            assertThat(send(base, "POST", "/admin/keys", "{\"name\":\"x\",\"budget_tokens\":5}").statusCode())
                    .as("a budget without its period").isEqualTo(400);
            assertThat(send(base, "POST", "/admin/keys", "{\"name\":\"x\",\"max_concurent\":5}").body())
                    .contains("max_concurent: unknown field");
            assertThat(send(base, "POST", "/admin/keys", "not json").statusCode()).isEqualTo(400);
            assertThat(send(base, "POST", "/admin/keys", "{\"name\":\"bad name\"}").statusCode()).isEqualTo(400);
            assertThat(send(base, "GET", "/admin/keys/nobody", null).statusCode()).isEqualTo(404);
            assertThat(send(base, "PATCH", "/admin/keys/nobody", "{\"priority\":2}").statusCode()).isEqualTo(404);
            assertThat(send(base, "PATCH", "/admin/keys/alice", "{\"priority\":0}").statusCode()).isEqualTo(400);
            assertThat(send(base, "PUT", "/admin/keys/alice", "{}").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void staticKeysKeepWorkingBesideStoreKeysAndKeysSurviveARestart() throws Exception {
        String db = dir.resolve("tolk.db").toString();
        String secret;
        try (TolkServer tolk = gateway(db, List.of("static-key"))) {
            URI base = tolk.baseUri();
            assertThat(message(base, null)).isEqualTo(401);
            assertThat(message(base, "static-key")).isEqualTo(200);
            secret = create(base, "{\"name\":\"carol\",\"requests_per_minute\":60}");
            assertThat(message(base, secret)).isEqualTo(200);
        }
        try (TolkServer tolk = gateway(db, List.of("static-key"))) {
            assertThat(message(tolk.baseUri(), secret)).isEqualTo(200);
            assertThat(message(tolk.baseUri(), "static-key")).isEqualTo(200);
            assertThat(tolk.store().keys().byDigest(dev.tolk.store.keys.KeySecrets.sha256Hex(secret)).limits()
                    .requestsPerMinute()).isEqualTo(60);
        }
    }

    @Test
    void withoutAStoreThereIsNoKeysRouteAndNothingChanges() throws Exception {
        try (TolkServer tolk = gateway("none", List.of())) {
            assertThat(tolk.store()).isNull();
            assertThat(message(tolk.baseUri(), null)).isEqualTo(200);
            HttpResponse<String> r = send(tolk.baseUri(), "GET", "/admin/keys", null);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("without a store");
        }
    }

    @Test
    void aStoreThatCannotBeOpenedLeavesTheGatewayServing() throws Exception {
        // nothing listens on port 1
        try (TolkServer tolk = gateway("postgresql://tolk:s3cret-pw@127.0.0.1:1/tolk", List.of())) {
            assertThat(tolk.store().isOpen()).isFalse();
            assertThat(message(tolk.baseUri(), null)).isEqualTo(200);
            HttpResponse<String> r = send(tolk.baseUri(), "GET", "/admin/keys", null);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).doesNotContain("s3cret-pw"); // a random request id may hold "pw"
            String metrics = send(tolk.baseUri(), "GET", "/metrics", null).body();
            assertThat(metrics).contains("tolk_store_up 0.0");
        }
    }
}
