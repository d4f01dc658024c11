package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.dispatch.DispatchPolicy;
import dev.tolk.core.dispatch.MessagesIntake;
import dev.tolk.core.threads.ThreadStore;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.server.store.GatewayStore;
import dev.tolk.server.upstream.Upstreams;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ThreadFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.LoggerFactory;

/**
 * The gateway's routes, behind {@link AccessLog} (which gives each request its {@link Exchange}) and, when keys are
 * configured, {@link ClientAuthentication}. Every response carries {@code request-id}; query strings (Claude Code's
 * {@code ?beta=true}) are ignored except where a route reads them; {@code anthropic-version} and
 * {@code anthropic-beta} are accepted whatever their value.
 *
 * <p>A {@code POST} body is read without a thread ({@link BodyReader}); {@code POST /v1/messages} then goes on without
 * one too ({@link MessagesEndpoint#start}) until something may block. Every other request, and every step that may
 * block, runs on a virtual thread of its own.
 */
public final class GatewayHandler extends Handler.Abstract {
    private static final ThreadFactory REQUEST_THREADS = Thread.ofVirtual().name("tolk-request").factory();

    private final int maxBodyBytes;
    private final MessagesEndpoint messages;
    private final CountTokensEndpoint countTokens;
    private final ModelsEndpoint models;
    private final OperationalEndpoints operations;
    private final AdminKeysEndpoint adminKeys;
    private final AdminUsageEndpoint usage;
    private final ActiveStreams active = new ActiveStreams();
    private volatile DashboardRoutes dashboard;

    public GatewayHandler(GatewayConfig config, RequestTranslator translator, Upstreams upstreams,
                          GatewayMetrics metrics) {
        this(config, translator, upstreams, metrics, null);
    }

    /** @param store the gateway's store, or null without one */
    public GatewayHandler(GatewayConfig config, RequestTranslator translator, Upstreams upstreams,
                          GatewayMetrics metrics, GatewayStore store) {
        this(config, translator, upstreams, metrics, store,
                store != null ? store.counters() : new dev.tolk.core.keys.InMemoryKeyCounters(),
                dev.tolk.server.tracing.Tracing.OFF);
    }

    /**
     * @param store the gateway's store, or null without one
     * @param keyCounters where client keys' usage is counted: the store's (shared by replicas) or this process's
     * @param tracing traces of {@code POST /v1/messages} (docs/tracing.md), or {@code Tracing.OFF}
     */
    public GatewayHandler(GatewayConfig config, RequestTranslator translator, Upstreams upstreams,
                          GatewayMetrics metrics, GatewayStore store, dev.tolk.core.keys.KeyCounters keyCounters,
                          dev.tolk.server.tracing.Tracing tracing) {
        this.maxBodyBytes = (int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes());
        DispatchPolicy policy = new DispatchPolicy(translator.options().recoverTextToolCalls(), upstreams.catalog(),
                upstreams.fleet());
        ThreadStore threads = new ThreadStore(config.threadMemoryBytes(), ThreadStore.DEFAULT_TTL, System::nanoTime);
        metrics.threads(threads);
        // threads are held by this Tolk, whichever upstream serves a turn (docs/threads.md)
        MessagesIntake intake = new MessagesIntake(translator, threads);
        this.messages = new MessagesEndpoint(intake, upstreams, policy, metrics, config, active, keyCounters,
                tracing);
        this.countTokens = new CountTokensEndpoint(intake, upstreams);
        this.models = new ModelsEndpoint(upstreams.catalog(), config.routes());
        this.operations = new OperationalEndpoints(upstreams, metrics, config.defaultModel());
        this.adminKeys = new AdminKeysEndpoint(store);
        this.usage = new AdminUsageEndpoint(store);
    }

    /** Serves the dashboard and {@code /admin/sessions} (behind {@link AdminAccess}). */
    public void dashboard(DashboardRoutes routes) {
        this.dashboard = routes;
    }

    /** The streams in flight now, the oldest first (the dashboard). */
    public java.util.List<RunningStream> runningStreams() {
        return active.running();
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
        Exchange x = Exchange.of(request);
        String path = Request.getPathInContext(request);
        boolean post = "POST".equals(request.getMethod());
        if (post && "/v1/messages".equals(path)) {
            BodyReader.read(x.request, x.request.getLength(), maxBodyBytes).whenComplete((body, failure) -> {
                if (failure != null) {
                    bodyFailed(x, failure);
                } else if (active.shuttingDown()) {
                    Responses.errorAndComplete(x, AnthropicError.overloaded("the gateway is shutting down")
                            .withRetryAfter(1));
                } else {
                    messages.start(x, body, step -> onThread(x, step));
                }
            });
        } else if (post && "/v1/messages/count_tokens".equals(path)) {
            BodyReader.read(x.request, x.request.getLength(), maxBodyBytes).whenComplete((body, failure) -> {
                if (failure != null) {
                    bodyFailed(x, failure);
                } else {
                    onThread(x, () -> countTokens.handle(x, body));
                }
            });
        } else {
            onThread(x, () -> route(x, path));
        }
        return true;
    }

    /**
     * The request body could not be read. Over the limit: 413. Otherwise the client left or stalled before sending all
     * of it: there is no one to answer and nothing went upstream; the exchange is failed (Jetty closes the
     * connection) and logged as 499, not as a gateway error.
     */
    private static void bodyFailed(Exchange x, Throwable failure) {
        if (failure instanceof BodyReader.TooLarge tooLarge) {
            Responses.errorAndComplete(x, AnthropicError.of(ErrorType.REQUEST_TOO_LARGE, tooLarge.getMessage()));
            return;
        }
        x.status = 499;
        x.note = "client_cancelled:request_body";
        x.failed(failure);
    }

    /** Runs a step of {@code x} that may block on a virtual thread, then completes it unless a relay took it over. */
    private static void onThread(Exchange x, MessagesEndpoint.BlockingStep step) {
        REQUEST_THREADS.newThread(() -> run(x, step)).start();
    }

    private static void run(Exchange x, MessagesEndpoint.BlockingStep step) {
        Throwable failure;
        try {
            step.run();
            if (!x.detached()) { // a stream's relay completes the exchange itself
                x.succeeded();
            }
            return;
        } catch (Throwable t) {
            failure = t;
        }
        if (x.response.isCommitted()) {
            x.failed(failure);
        } else {
            try {
                x.status = 500;
                Responses.error(x, AnthropicError.api("internal error in the gateway"));
                x.succeeded();
            } catch (Throwable t2) {
                x.failed(failure);
            }
        }
        if (!(failure instanceof IOException)) {
            LoggerFactory.getLogger(GatewayHandler.class).error("request {} failed", x.requestId, failure);
        }
    }

    /** Every route but a {@code POST} to the two messages routes, on a virtual thread. */
    private void route(Exchange x, String path) throws IOException, InterruptedException {
        if (operations.handle(x, path)) {
            return;
        }
        if (AdminKeysEndpoint.matches(path)) { // behind AdminAccess
            adminKeys.handle(x, path);
            return;
        }
        DashboardRoutes d = dashboard;
        if (d != null && AdminAccess.guarded(path) && d.handle(x, path)) {
            return;
        }
        String method = x.request.getMethod();
        switch (path) {
            case "/v1/messages", "/v1/messages/count_tokens" -> notAllowed(x, method, "POST");
            case "/admin/usage" -> {
                if (isGet(method)) {
                    usage.handle(x);
                } else {
                    notAllowed(x, method, "GET");
                }
            }
            case "/v1/models" -> {
                if (isGet(method)) {
                    models.list(x, Request.extractQueryParameters(x.request));
                } else {
                    notAllowed(x, method, "GET");
                }
            }
            default -> {
                if (path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()) {
                    if (isGet(method)) {
                        models.get(x, path.substring("/v1/models/".length()));
                    } else {
                        notAllowed(x, method, "GET");
                    }
                } else {
                    x.note = "path=" + AccessLog.loggable(path);
                    fail(x, AnthropicError.of(ErrorType.NOT_FOUND, "no route for " + path
                            + " (Tolk serves /v1/messages, /v1/messages/count_tokens and /v1/models)"));
                }
            }
        }
    }

    private static boolean isGet(String method) {
        return "GET".equals(method) || "HEAD".equals(method);
    }

    private static void notAllowed(Exchange x, String method, String allowed) throws IOException {
        x.response.getHeaders().put(HttpHeader.ALLOW, allowed);
        fail(x, new AnthropicError(405, ErrorType.INVALID_REQUEST, "method " + method + " not allowed; use " + allowed,
                OptionalLong.empty()));
    }

    private static void fail(Exchange x, AnthropicError e) throws IOException {
        x.status = e.status();
        Responses.error(x, e);
    }
}
