package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The operator's routes, open without a client key: {@code /health} (the gateway is up), {@code /ready} (the upstream
 * answers {@code /v1/models} within 5 s, else 529), {@code /metrics} (Prometheus text), and {@code /api/hello}: 200
 * with no body, as Anthropic's API answers the {@code HEAD} Claude Code 2.1.250 sends before its first request.
 */
final class OperationalEndpoints {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] READY = "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8);

    private final UpstreamClient upstream;
    private final GatewayMetrics metrics;

    OperationalEndpoints(UpstreamClient upstream, GatewayMetrics metrics) {
        this.upstream = upstream;
        this.metrics = metrics;
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

    private void ready(Exchange x) throws IOException, InterruptedException {
        AnthropicError notReady;
        try {
            ContentResponse r = upstream.call(HttpMethod.GET, "/v1/models", null, Duration.ofSeconds(5));
            if (r.getStatus() == 200) {
                x.status = 200;
                Responses.json(x.response, 200, READY, x.requestId);
                return;
            }
            notReady = AnthropicError.overloaded("upstream answered HTTP " + r.getStatus());
        } catch (IOException e) {
            notReady = AnthropicError.overloaded("upstream unreachable: " + e.getMessage());
        }
        x.status = notReady.status();
        Responses.error(x.response, notReady, x.requestId);
    }
}
