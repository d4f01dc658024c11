package dev.tolk.server;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** A simulator and a Tolk gateway in front of it, both on loopback free ports, closed together. */
final class GatewayFixture implements AutoCloseable {
    final SimServer sim;
    final TolkServer tolk;
    final HttpClient http = HttpClient.newHttpClient();

    GatewayFixture() {
        this(SimOptions.defaults(), c -> c);
    }

    GatewayFixture(SimOptions simOptions, UnaryOperator<GatewayConfig> config) {
        sim = SimServer.start(simOptions);
        tolk = TolkServer.start(config.apply(GatewayConfig.defaults(sim.baseUri()).withPort(0)
                .withPingInterval(Duration.ofMillis(1000)).withShutdownGrace(Duration.ofSeconds(1))));
    }

    AnthropicClient client() {
        return client("test-key");
    }

    AnthropicClient client(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(tolk.baseUri().toString()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return post(path, HttpRequest.BodyPublishers.ofString(body), headers);
    }

    HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        return post(path, HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    private HttpResponse<String> post(String path, HttpRequest.BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tolk.baseUri() + path))
                .POST(body).header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tolk.baseUri() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        tolk.close();
        sim.close();
    }
}
