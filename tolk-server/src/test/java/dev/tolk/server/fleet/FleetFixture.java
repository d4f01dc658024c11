package dev.tolk.server.fleet;

import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimFleet;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A simulated vLLM fleet on loopback and Tolk gateways in front of all of it, closed together. */
final class FleetFixture implements AutoCloseable {
    final SimFleet fleet;
    final List<SimServer> sims;
    final List<TolkServer> tolks = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    FleetFixture(int n) {
        this(n, SimOptions.defaults());
    }

    FleetFixture(int n, SimOptions options) {
        fleet = SimFleet.start(n, options);
        sims = fleet.instances();
    }

    static UpstreamConfig upstream(String name, URI url) {
        return new UpstreamConfig(name, url, "openai", null, 1, List.of());
    }

    List<UpstreamConfig> upstreams() {
        List<UpstreamConfig> out = new ArrayList<>();
        for (int i = 0; i < sims.size(); i++) {
            out.add(upstream("sim" + i, sims.get(i).baseUri()));
        }
        return out;
    }

    /** Starts a gateway in front of {@code upstreams}. */
    TolkServer tolk(List<UpstreamConfig> upstreams, RoutingPolicy routing, UnaryOperator<GatewayConfig.Builder> more) {
        TolkServer t = TolkServer.start(more.apply(GatewayConfig.builder().port(0).upstreams(upstreams)
                .routing(routing).probeInterval(Duration.ofMillis(300)).shutdownGrace(Duration.ofSeconds(1))
                .upstreamTimeout(Duration.ofSeconds(30)).upstreamHeadTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(2))).build());
        tolks.add(t);
        return t;
    }

    TolkServer tolk(RoutingPolicy routing) {
        return tolk(upstreams(), routing, b -> b);
    }

    static String body(String text, boolean stream) {
        return "{\"model\":\"m\",\"max_tokens\":20,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    HttpResponse<String> send(TolkServer t, String session, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.baseUri().resolve("/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (session != null) {
            b.header("x-claude-code-session-id", session);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(TolkServer t, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(t.baseUri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The index of the one simulator that got the request Tolk answered with {@code response}, or −1. */
    int servedBy(HttpResponse<String> response) {
        java.util.Set<Integer> got = receivedBy(response);
        if (got.size() > 1) {
            throw new AssertionError("the request went to several simulators: " + got);
        }
        return got.isEmpty() ? -1 : got.iterator().next();
    }

    /** The simulators that got the request Tolk answered with {@code response} (its request id). */
    java.util.Set<Integer> receivedBy(HttpResponse<String> response) {
        String id = response.headers().firstValue("request-id").orElseThrow();
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (int i = 0; i < sims.size(); i++) {
            for (var e : sims.get(i).requests()) {
                if (id.equals(e.headers().get("x-request-id")) && e.path().equals("/v1/chat/completions")) {
                    out.add(i);
                }
            }
        }
        return out;
    }

    /** Simulator {@code sim}'s {@code /metrics} text. */
    String get(int sim) throws Exception {
        return http.send(HttpRequest.newBuilder(sims.get(sim).baseUri().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    long chatRequests(int sim) {
        return sims.get(sim).requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count();
    }

    @Override
    public void close() {
        tolks.forEach(TolkServer::close);
        fleet.close();
    }
}
