package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicIds;
import dev.tolk.server.metrics.GatewayMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every request its {@link Exchange} (request id, the facts the handlers fill in) and, when the exchange
 * completes, records its metrics and writes one structured access line: no prompt text, no credentials.
 * {@code /metrics} is neither counted nor logged, {@code /health} is logged but not counted.
 */
public final class AccessLog extends Handler.Wrapper {
    private static final Logger ACCESS = LoggerFactory.getLogger("tolk.access");

    private final GatewayMetrics metrics;
    private final List<RequestListener> listeners = new CopyOnWriteArrayList<>();

    public AccessLog(Handler next, GatewayMetrics metrics) {
        super(next);
        this.metrics = metrics;
    }

    /** Tells {@code listener} of every request that ends from now on ({@link FinishedRequest}). */
    public void addListener(RequestListener listener) {
        listeners.add(listener);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Exchange x = new Exchange(request, response, callback, AnthropicIds.requestId(),
                routeName(Request.getPathInContext(request)), this);
        return super.handle(x, response, x);
    }

    /** The route as metrics and the log name it: one of Tolk's routes, or {@code other}. */
    private static String routeName(String path) {
        if (path.startsWith("/v1/models/")) {
            return "/v1/models/{id}";
        }
        return switch (path) {
            case "/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/health", "/ready", "/metrics",
                 "/api/hello", "/admin/usage" -> path;
            default -> "other";
        };
    }

    /**
     * A client's text in the access log (a path, a session id): at most 200 characters, printable ASCII only (no line
     * breaks, spaces).
     */
    static String loggable(String path) {
        int n = Math.min(path.length(), 200);
        StringBuilder sb = new StringBuilder(n + 1);
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            sb.append(c > ' ' && c < 127 ? c : '?');
        }
        return path.length() > n ? sb.append('…').toString() : sb.toString();
    }

    void completed(Exchange x) {
        long durationNanos = System.nanoTime() - x.startNanos;
        if (!"/metrics".equals(x.route) && !"/health".equals(x.route)) {
            metrics.request(x.route, x.status, x.upstreamModel, Duration.ofNanos(durationNanos));
            if (x.ttftNanos >= 0) {
                metrics.timeToFirstToken(x.upstreamModel, Duration.ofNanos(x.ttftNanos));
            }
            if (x.upstreamModel != null && x.status == 200 && "/v1/messages".equals(x.route)) {
                metrics.tokens(x.upstreamModel, x.inputTokens, x.outputTokens, x.cachedTokens);
            }
        }
        String session = x.request.getHeaders().get(MessagesEndpoint.SESSION_HEADER);
        if (!listeners.isEmpty() && !"/metrics".equals(x.route) && !"/health".equals(x.route)) {
            tell(new FinishedRequest(x.requestId, x.startEpochMillis, x.route, x.clientKey.name(),
                    session == null ? null : loggable(session), x.clientModel, x.upstreamModel, x.upstream, x.status,
                    x.inputTokens, x.cachedTokens, x.outputTokens, x.ttftNanos, durationNanos, x.stopReason, x.note,
                    x.errorMessage));
        }
        if (ACCESS.isInfoEnabled() && !"/metrics".equals(x.route)) {
            StringBuilder line = new StringBuilder(256).append("request_id=").append(x.requestId)
                    .append(" route=").append(x.route).append(" status=").append(x.status)
                    .append(" client_model=").append(x.clientModel).append(" upstream_model=").append(x.upstreamModel)
                    .append(" ttft_ms=");
            millis(line, x.ttftNanos);
            line.append(" in=").append(x.inputTokens).append(" out=").append(x.outputTokens)
                    .append(" cached=").append(x.cachedTokens).append(" stop=").append(x.stopReason)
                    .append(" duration_ms=");
            millis(line, durationNanos);
            if (x.clientKey != dev.tolk.core.keys.ClientKey.ANONYMOUS) {
                line.append(" key=").append(x.clientKey.name());
            }
            if (session != null) {
                line.append(" session=").append(loggable(session));
            }
            if (x.queuedNanos >= 0) {
                line.append(" queued_ms=");
                millis(line, x.queuedNanos);
            }
            if (x.note != null) {
                line.append(" note=").append(x.note);
            }
            ACCESS.info(line.toString());
        }
    }

    private void tell(FinishedRequest r) {
        for (RequestListener l : listeners) {
            try {
                l.finished(r);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(AccessLog.class).warn("a request listener failed", e);
            }
        }
    }

    private static void millis(StringBuilder sb, long nanos) {
        if (nanos < 0) {
            sb.append('-');
            return;
        }
        long tenths = nanos / 100_000;
        sb.append(tenths / 10).append('.').append(tenths % 10);
    }
}
