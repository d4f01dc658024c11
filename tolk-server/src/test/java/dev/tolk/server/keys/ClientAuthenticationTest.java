package dev.tolk.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.keys.KeyLimits;
import dev.tolk.server.http.AccessLog;
import dev.tolk.server.http.ClientAuthentication;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.store.Database;
import dev.tolk.store.keys.KeyDirectory;
import dev.tolk.store.keys.KeyRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who passes the client-key check when a store is behind it, as a gateway off loopback would set it up. */
class ClientAuthenticationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static int get(URI base, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (key != null) {
            b.header("x-api-key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void offLoopbackWithAStoreNobodyGetsInBeforeTheFirstKeyAndThenOnlyWithAValidOne() throws Exception {
        Handler ok = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, null, callback);
                return true;
            }
        };
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            KeyRepository repository = new KeyRepository(db);
            KeyDirectory directory = new KeyDirectory(() -> repository);
            directory.refresh();
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(new AccessLog(new ClientAuthentication(ok, List.of("static"), directory, true),
                    new GatewayMetrics()));
            server.start();
            try {
                URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
                assertThat(get(base, "/v1/models", null)).isEqualTo(401);
                assertThat(get(base, "/v1/models", "static")).isEqualTo(200);
                assertThat(get(base, "/health", null)).as("operational routes stay open").isEqualTo(200);
                String secret = repository.create("alice", KeyLimits.NONE, 1).secret();
                assertThat(get(base, "/v1/models", secret)).as("not loaded yet").isEqualTo(401);
                directory.refresh();
                assertThat(get(base, "/v1/models", secret)).isEqualTo(200);
                repository.revoke("alice", 2);
                directory.refresh();
                assertThat(get(base, "/v1/models", secret)).isEqualTo(401);
                assertThat(get(base, "/v1/models", null)).isEqualTo(401);
            } finally {
                server.stop();
            }
        }
    }
}
