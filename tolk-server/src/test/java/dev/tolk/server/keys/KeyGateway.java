package dev.tolk.server.keys;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.InMemoryKeyCounters;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.server.GatewayExtensions;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A simulator and a gateway whose client keys have limits, given through the {@code KeySource} seam the key store
 * implements (secret → key), counted in an {@link InMemoryKeyCounters} the test can read. Counts the requests that
 * reached the gateway's {@code /v1/messages} (its request listeners).
 */
final class KeyGateway implements AutoCloseable {
    final SimServer sim;
    final TolkServer tolk;
    final InMemoryKeyCounters counters = new InMemoryKeyCounters();
    final Map<String, ClientKey> keys = new HashMap<>();
    final AtomicInteger gatewayRequests = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();

    KeyGateway(SimOptions sim, UnaryOperator<GatewayConfig.Builder> config) {
        this.sim = SimServer.start(sim);
        GatewayConfig c = config.apply(GatewayConfig.builder().port(0).upstream(this.sim.baseUri())
                .pingInterval(Duration.ofMillis(500)).shutdownGrace(Duration.ofSeconds(1))).build();
        // an upstream list given by the test names the simulator by a placeholder URL: point it here
        c = c.toBuilder().upstreams(c.upstreams().stream().map(u -> new dev.tolk.server.config.UpstreamConfig(
                u.name(), this.sim.baseUri(), u.protocol(), u.apiKey(), u.weight(), u.models(), u.capacity(),
                u.priorityScheduling())).toList()).build();
        this.tolk = TolkServer.start(c,
                GatewayExtensions.defaults().withKeys(keys::get).withCounters(counters));
        tolk.addRequestListener(r -> {
            if (r.messages()) {
                gatewayRequests.incrementAndGet();
            }
        });
    }

    /** A key whose secret is {@code "sk-" + name}. */
    ClientKey key(String name, KeyLimits limits) {
        ClientKey k = new ClientKey(name, limits);
        keys.put("sk-" + name, k);
        return k;
    }

    static KeyLimits limits(int concurrent, int rpm, long tpm, long budget, dev.tolk.core.keys.BudgetPeriod period,
                            int priority, List<String> models) {
        return new KeyLimits(concurrent, rpm, tpm, budget, period, priority, models);
    }

    static String body(String text, boolean stream) {
        return body("claude-sonnet-4-5", text, stream);
    }

    static String body(String model, String text, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":50,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    HttpResponse<String> post(String key, String path, String body) throws Exception {
        return http.send(request(key, path, body), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest request(String key, String path, String body) {
        return HttpRequest.newBuilder(URI.create(tolk.baseUri() + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json").header("x-api-key", "sk-" + key)
                .timeout(Duration.ofSeconds(30)).build();
    }

    /** The official Java SDK with its default retries (2). */
    AnthropicClient sdk(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(tolk.baseUri().toString()).apiKey("sk-" + key)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @Override
    public void close() {
        tolk.close();
        sim.close();
    }
}
