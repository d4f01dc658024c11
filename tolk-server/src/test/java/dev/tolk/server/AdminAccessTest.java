package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.http.AccessLog;
import dev.tolk.server.http.AdminAccess;
import dev.tolk.server.http.AdminSessions;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.sim.SimOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** Who may reach /admin/… and /dashboard: the admin key, its login cookie, loopback without a key; never a client key. */
class AdminAccessTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(URI base, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aLoopbackGatewayWithoutAnAdminKeyLetsTheDeveloperIn() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c)) {
            // past the guard: the route table answers (404 until a route exists), not 401 or 403
            assertThat(get(g.tolk.baseUri(), "/admin/nothing-here").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void withAnAdminKeyOnlyTheKeyOrItsLoginCookieOpensTheRoutes() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                c -> c.toBuilder().adminKey("admin-secret").apiKeys(List.of("client-key")).build())) {
            URI base = g.tolk.baseUri();
            HttpResponse<String> none = get(base, "/admin/nothing-here");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).contains("authentication_error");
            assertThat(get(base, "/admin/nothing-here", "x-api-key", "client-key").statusCode()).isEqualTo(401);
            assertThat(get(base, "/admin/nothing-here", "authorization", "Bearer admin-secret").statusCode())
                    .isEqualTo(404);
            assertThat(get(base, "/admin/nothing-here", "x-api-key", "admin-secret").statusCode()).isEqualTo(404);

            HttpResponse<String> page = get(base, "/dashboard");
            assertThat(page.statusCode()).isEqualTo(303);
            assertThat(page.headers().firstValue("location")).contains(AdminAccess.LOGIN_PATH);
            assertThat(get(base, AdminAccess.LOGIN_PATH).statusCode()).isNotIn(401, 403, 303);

            AdminSessions sessions = g.tolk.adminSessions();
            assertThat(sessions.login("wrong")).isNull();
            String token = sessions.login("admin-secret");
            assertThat(get(base, "/admin/nothing-here", "cookie", AdminSessions.COOKIE + "=" + token).statusCode())
                    .isEqualTo(404);
            assertThat(get(base, "/admin/nothing-here", "cookie", AdminSessions.COOKIE + "=forged").statusCode())
                    .isEqualTo(401);
            sessions.logout(token);
            assertThat(get(base, "/admin/nothing-here", "cookie", AdminSessions.COOKIE + "=" + token).statusCode())
                    .isEqualTo(401);
        }
    }

    @Test
    void offLoopbackWithoutAnAdminKeyTheRoutesAreRefused() throws Exception {
        Handler ok = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, null, callback);
                return true;
            }
        };
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        // the guard told it is not on loopback, as a gateway bound to 0.0.0.0 would be
        server.setHandler(new AccessLog(new AdminAccess(ok, new AdminSessions(null, System::nanoTime), false),
                new GatewayMetrics()));
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
            HttpResponse<String> r = get(base, "/admin/keys");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("permission_error").contains("TOLK_ADMIN_KEY");
            assertThat(get(base, "/dashboard").statusCode()).isEqualTo(403);
            assertThat(get(base, "/v1/models").statusCode()).isEqualTo(200);
        } finally {
            server.stop();
        }
    }
}
