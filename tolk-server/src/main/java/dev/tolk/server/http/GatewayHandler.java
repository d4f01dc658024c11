package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicIds;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.core.dispatch.DispatchPolicy;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's routes. Every response carries {@code request-id}; query strings (Claude Code's {@code ?beta=true})
 * are ignored except where a route reads them; {@code anthropic-version} and {@code anthropic-beta} are accepted
 * whatever their value. Client credentials are checked here (when keys are configured) and never passed on.
 * A streaming {@code POST /v1/messages} runs without a thread of its own ({@link MessagesEndpoint#start}); other
 * requests, and the parts of a stream that may block, run on virtual threads.
 */
public final class GatewayHandler extends Handler.Abstract {
    private static final Logger ACCESS = LoggerFactory.getLogger("tolk.access");
    private static final java.util.concurrent.ThreadFactory REQUEST_THREADS = Thread.ofVirtual().name("tolk-request").factory();

    private final GatewayConfig config;
    private final ApiKeys keys;
    private final UpstreamClient upstream;
    private final MessagesEndpoint messages;
    private final CountTokensEndpoint countTokens;
    private final ModelsEndpoint models;
    private final GatewayMetrics metrics;
    private final ActiveStreams active = new ActiveStreams();

    public GatewayHandler(GatewayConfig config, RequestTranslator translator, UpstreamClient upstream,
                          ModelCatalog catalog, GatewayMetrics metrics) {
        this.config = config;
        this.keys = new ApiKeys(config.apiKeys());
        this.upstream = upstream;
        this.metrics = metrics;
        DispatchPolicy policy = new DispatchPolicy(translator.options().recoverTextToolCalls(), catalog);
        this.messages = new MessagesEndpoint(translator, upstream, catalog, policy, metrics, config, active);
        this.countTokens = new CountTokensEndpoint(translator, upstream);
        this.models = new ModelsEndpoint(catalog, config.routes());
    }

    /** Lets open streams finish up to the grace period, then ends them with an error event. */
    public void drain(Duration grace) throws InterruptedException {
        active.drain(grace);
    }

    /** Jetty calls {@link #handle} on its I/O thread; whatever may block is moved to a virtual thread here. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange x = new Exchange(request, response, callback, AnthropicIds.requestId(), this::log);
        if (!startWithoutThread(x)) {
            onThread(x, () -> route(x));
        }
        return true;
    }

    /**
     * The hot path, {@code POST /v1/messages} with a declared length within the limit from an accepted client: its
     * body is read and the request sent upstream without a thread of its own ({@link MessagesEndpoint#start}).
     * Anything else is routed on a virtual thread, where every check answers for itself.
     */
    private boolean startWithoutThread(Exchange x) {
        Request request = x.request;
        long declared = request.getLength();
        if (declared < 0 || declared > config.maxBodyBytes() || !"POST".equals(request.getMethod())
                || !"/v1/messages".equals(Request.getPathInContext(request)) || active.shuttingDown()
                || keys.enabled() && !keys.accepts(request.getHeaders().get("x-api-key"),
                        request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            return false;
        }
        x.route = "/v1/messages";
        BodyReader.read(request, (int) declared).whenComplete((body, failure) -> {
            if (failure != null) {
                bodyFailed(x, failure);
            } else {
                messages.start(x, body, step -> onThread(x, step));
            }
        });
        return true;
    }

    /** Runs a step of {@code x} that may block on a virtual thread, then completes and logs it unless a relay took it over. */
    private void onThread(Exchange x, MessagesEndpoint.BlockingStep step) {
        REQUEST_THREADS.newThread(() -> run(x, step)).start();
    }

    private void run(Exchange x, MessagesEndpoint.BlockingStep step) {
        Response response = x.response;
        try {
            step.run();
            if (x.detached()) {
                return; // a stream: its relay completes the callback and logs
            }
            x.callback.succeeded();
        } catch (RequestBodyFailed e) {
            bodyFailed(x, e.getCause());
            return;
        } catch (Throwable t) {
            if (!response.isCommitted()) {
                try {
                    x.status = 500;
                    Responses.error(response, AnthropicError.api("internal error in the gateway"), x.requestId);
                    x.callback.succeeded();
                } catch (Throwable t2) {
                    x.callback.failed(t);
                }
            } else {
                x.callback.failed(t);
            }
            if (!(t instanceof IOException)) {
                LoggerFactory.getLogger(GatewayHandler.class).error("request {} failed", x.requestId, t);
            }
        }
        log(x);
    }

    private void route(Exchange x) throws IOException, InterruptedException {
        String path = Request.getPathInContext(x.request);
        String method = x.request.getMethod();
        x.route = routeName(path);
        if (path.equals("/health")) {
            x.status = 200;
            Responses.json(x.response, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8), x.requestId);
            return;
        }
        if (path.equals("/ready")) {
            ready(x);
            return;
        }
        if (path.equals("/metrics")) {
            x.status = 200;
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            x.response.setStatus(200);
            x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            Responses.write(x.response, true, java.nio.ByteBuffer.wrap(body));
            return;
        }
        if (!path.startsWith("/v1/")) {
            notFound(x, path);
            return;
        }
        if (keys.enabled() && !keys.accepts(x.request.getHeaders().get("x-api-key"),
                x.request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            fail(x, AnthropicError.of(ErrorType.AUTHENTICATION, "invalid x-api-key"));
            return;
        }
        switch (path) {
            case "/v1/messages" -> {
                if (requirePost(x, method)) {
                    byte[] body = readBody(x);
                    if (body != null) {
                        if (active.shuttingDown()) {
                            fail(x, AnthropicError.overloaded("the gateway is shutting down").withRetryAfter(1));
                            return;
                        }
                        messages.handle(x, body);
                    }
                }
            }
            case "/v1/messages/count_tokens" -> {
                if (requirePost(x, method)) {
                    byte[] body = readBody(x);
                    if (body != null) {
                        countTokens.handle(x, body);
                    }
                }
            }
            case "/v1/models" -> {
                if (requireGet(x, method)) {
                    models.list(x, Request.extractQueryParameters(x.request));
                }
            }
            default -> {
                if (path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()) {
                    if (requireGet(x, method)) {
                        models.get(x, path.substring("/v1/models/".length()));
                    }
                } else {
                    notFound(x, path);
                }
            }
        }
    }

    /**
     * The request body could not be read: the client left or stalled before sending all of it. There is no one to
     * answer and nothing went upstream; the exchange is failed (Jetty closes the connection) and logged as 499, not
     * as a gateway error.
     */
    private void bodyFailed(Exchange x, Throwable failure) {
        x.status = 499;
        x.note = "client_cancelled:request_body";
        x.callback.failed(failure);
        log(x);
    }

    private static final class RequestBodyFailed extends IOException {
        RequestBodyFailed(IOException cause) {
            super(cause);
        }
    }

    /** Reads the body up to the limit; answers 413 (without reading it all) or 400 and returns null on failure. */
    private byte[] readBody(Exchange x) throws IOException {
        long limit = config.maxBodyBytes();
        long declared = x.request.getLength();
        if (declared > limit) {
            fail(x, AnthropicError.of(ErrorType.REQUEST_TOO_LARGE, "request body of " + declared
                    + " bytes exceeds the limit of " + limit + " bytes"));
            return null;
        }
        try (InputStream in = Request.asInputStream(x.request)) {
            byte[] body;
            try {
                body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            } catch (IOException e) {
                throw new RequestBodyFailed(e);
            }
            if (body.length > limit) {
                fail(x, AnthropicError.of(ErrorType.REQUEST_TOO_LARGE, "request body exceeds the limit of "
                        + limit + " bytes"));
                return null;
            }
            return body;
        }
    }

    private void ready(Exchange x) throws IOException, InterruptedException {
        try {
            ContentResponse r = upstream.call(HttpMethod.GET, "/v1/models", null, Duration.ofSeconds(5));
            if (r.getStatus() == 200) {
                x.status = 200;
                Responses.json(x.response, 200, "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8), x.requestId);
                return;
            }
            fail(x, AnthropicError.overloaded("upstream answered HTTP " + r.getStatus()));
        } catch (IOException e) {
            fail(x, AnthropicError.overloaded("upstream unreachable: " + e.getMessage()));
        }
    }

    private boolean requirePost(Exchange x, String method) throws IOException {
        if ("POST".equals(method)) {
            return true;
        }
        x.response.getHeaders().put(HttpHeader.ALLOW, "POST");
        fail(x, new AnthropicError(405, ErrorType.INVALID_REQUEST, "method " + method + " not allowed; use POST",
                java.util.OptionalLong.empty()));
        return false;
    }

    private boolean requireGet(Exchange x, String method) throws IOException {
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        x.response.getHeaders().put(HttpHeader.ALLOW, "GET");
        fail(x, new AnthropicError(405, ErrorType.INVALID_REQUEST, "method " + method + " not allowed; use GET",
                java.util.OptionalLong.empty()));
        return false;
    }

    private void notFound(Exchange x, String path) throws IOException {
        fail(x, AnthropicError.of(ErrorType.NOT_FOUND, "no route for " + path
                + " (Tolk serves /v1/messages, /v1/messages/count_tokens and /v1/models)"));
    }

    private void fail(Exchange x, AnthropicError e) throws IOException {
        x.status = e.status();
        Responses.error(x.response, e, x.requestId);
    }

    private static String routeName(String path) {
        if (path.startsWith("/v1/models/")) {
            return "/v1/models/{id}";
        }
        return switch (path) {
            case "/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/health", "/ready", "/metrics" -> path;
            default -> "other";
        };
    }

    /** One structured line per request; no prompt text, no credentials. */
    private void log(Exchange x) {
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
            if (x.note != null) {
                line.append(" note=").append(x.note);
            }
            ACCESS.info(line.toString());
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
