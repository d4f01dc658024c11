package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.core.dispatch.FleetCatalog;
import dev.tolk.server.upstream.Upstreams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The operator's routes, open without a client key: {@code /health} (the gateway is up), {@code /ready} (200 while
 * at least one healthy upstream serves the default model — any model when none is configured —, else 529),
 * {@code /metrics} (Prometheus text), and {@code /api/hello}: 200 with no body, as Anthropic's API answers the
 * {@code HEAD} Claude Code 2.1.250 sends before its first request.
 */
final class OperationalEndpoints {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] READY = "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8);

    private final Upstreams upstreams;
    private final GatewayMetrics metrics;
    private final String defaultModel;

    OperationalEndpoints(Upstreams upstreams, GatewayMetrics metrics, String defaultModel) {
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.defaultModel = defaultModel;
    }

    /** Answers {@code path} if it is one of these routes (blocking: a virtual thread calls it); false otherwise. */
    boolean handle(Exchange x, String path) throws IOException, InterruptedException {
        switch (path) {
            case "/health" -> {
                x.status = 200;
                Responses.json(x.response, 200, HEALTHY, x.requestId);
            }
            case "/ready" -> ready(x);
            case "/api/hello" -> {
                x.status = 200;
                x.response.setStatus(200);
                x.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
                Responses.write(x.response, true, ByteBuffer.allocate(0));
            }
            case "/metrics" -> {
                x.status = 200;
                x.response.setStatus(200);
                x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                Responses.write(x.response, true, ByteBuffer.wrap(metrics.scrape().getBytes(StandardCharsets.UTF_8)));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void ready(Exchange x) throws IOException {
        FleetCatalog catalog = upstreams.catalog();
        catalog.awaitLoaded(); // a list not fetched yet is fetched now (bounded by the connect timeout)
        for (int i = 0; i < upstreams.size(); i++) {
            boolean serves = defaultModel == null ? !catalog.catalog(i).cached().isEmpty()
                    : catalog.serves(i, defaultModel);
            if (serves && upstreams.fleet().member(i).health().up()) {
                x.status = 200;
                Responses.json(x.response, 200, READY, x.requestId);
                return;
            }
        }
        AnthropicError notReady = AnthropicError.overloaded("no healthy upstream serves "
                + (defaultModel == null ? "a model" : defaultModel) + " (up: " + upstreams.fleet().upNames() + ")");
        x.status = notReady.status();
        Responses.error(x, notReady);
    }
}
