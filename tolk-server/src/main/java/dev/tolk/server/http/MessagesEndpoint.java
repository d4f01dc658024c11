package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicIds;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.response.ResponseTranslator;
import dev.tolk.core.translate.response.TranslatedResponse;
import dev.tolk.core.translate.stream.StreamOutcome;
import dev.tolk.core.translate.stream.UpstreamStream;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.core.translate.request.ContextClamp;
import dev.tolk.core.translate.request.ToolChoiceFallback;
import dev.tolk.core.translate.request.PromptSizeEstimator;
import dev.tolk.server.upstream.UpstreamCatalog;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code POST /v1/messages}: translate, clamp {@code max_tokens} to the window, call the upstream, and answer as
 * JSON or SSE (protocol.md §C.4). The upstream's status is awaited before any SSE byte, so an upstream error is an
 * Anthropic error response, never a broken stream. A stream takes no thread of its own ({@link #start}): the request
 * is sent from the Jetty thread that read it and the relay ({@link StreamRelay}) starts on the thread that receives
 * the upstream's headers; what may block (an error body to read, a retry, a non-streaming answer) runs on a virtual
 * thread. A client that goes away aborts the upstream request: at once while tokens
 * flow (the write fails), within one ping interval while the upstream is silent (the ping write fails), or as soon
 * as Jetty reports the connection failed.
 */
final class MessagesEndpoint {
    private static final int MAX_UPSTREAM_ERROR_BODY = 1 << 20;
    private static final int MAX_UPSTREAM_BODY = 256 << 20;

    private final RequestTranslator translator;
    private final UpstreamClient upstream;
    private final UpstreamCatalog catalog;
    private final ContextClamp clamp;
    private final ToolChoiceFallback toolFallback;
    private final PromptSizeEstimator estimator;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;
    private final ActiveStreams active;
    private final Ticker<ClientWatch> watches = new Ticker<>(ClientWatch.POLL_MILLIS, ClientWatch::probe);
    private final Ticker<StreamRelay> pings;

    MessagesEndpoint(RequestTranslator translator, UpstreamClient upstream, UpstreamCatalog catalog,
                     ContextClamp clamp, GatewayMetrics metrics, GatewayConfig config, ActiveStreams active) {
        this.translator = translator;
        this.upstream = upstream;
        this.catalog = catalog;
        this.clamp = clamp;
        this.toolFallback = new ToolChoiceFallback(translator.options().recoverTextToolCalls());
        this.estimator = clamp.estimator();
        this.metrics = metrics;
        this.config = config;
        this.active = active;
        this.pings = new Ticker<>(StreamRelay.pingCheckMillis(config.pingInterval()), StreamRelay::pingCheck);
    }

    /** A step of a request that may block, run on a virtual thread of its own. */
    @FunctionalInterface
    interface BlockingStep {
        void run() throws Exception;
    }

    /** Serves a request whose body has been read, on a virtual thread (it blocks until the upstream answers). */
    void handle(Exchange x, byte[] body) throws IOException, InterruptedException {
        TranslatedRequest tr = translate(x, body);
        if (tr != null) {
            send(x, prepare(tr), false);
        }
    }

    /**
     * Serves a request without a thread waiting for the upstream, on the Jetty thread that read its body: when the
     * upstream answers a streaming request with 200, the relay starts on the thread that received the headers. What
     * else can happen (a translation error, a non-streaming request, an upstream error to map or retry, a model
     * catalog not fetched yet) goes on through {@code onThread}, which runs the step on a virtual thread.
     */
    void start(Exchange x, byte[] body, java.util.function.Consumer<BlockingStep> onThread) {
        try {
            if (catalog.cached().isEmpty()) {
                // model routing may have to fetch the catalog: only a virtual thread may wait for that
                onThread.accept(() -> handle(x, body));
                return;
            }
            TranslatedRequest translated;
            try {
                translated = translator.translate(body);
            } catch (AnthropicException e) {
                onThread.accept(() -> fail(x, e.error()));
                return;
            }
            noteModels(x, translated);
            if (!translated.facts().stream()) {
                onThread.accept(() -> send(x, prepare(translated), false));
                return;
            }
            TranslatedRequest tr = prepare(translated);
            Call c = open(x, tr);
            c.exchange.onHead((head, failure) -> {
                try {
                    if (failure == null && head.getStatus() == 200) {
                        answer(x, tr, c, head, null, false); // a stream: starts the relay, never blocks
                    } else {
                        onThread.accept(() -> answer(x, tr, c, head, failure, false));
                    }
                } catch (Throwable t) {
                    c.exchange.abort(t);
                    if (x.detached()) {
                        x.complete(t);
                    } else {
                        onThread.accept(() -> rethrow(t));
                    }
                }
            });
        } catch (RuntimeException e) {
            onThread.accept(() -> rethrow(e));
        }
    }

    private static void rethrow(Throwable t) throws Exception {
        if (t instanceof Exception e) {
            throw e;
        }
        throw (Error) t;
    }

    private TranslatedRequest translate(Exchange x, byte[] body) throws IOException {
        try {
            TranslatedRequest tr = translator.translate(body);
            noteModels(x, tr);
            return tr;
        } catch (AnthropicException e) {
            fail(x, e.error());
            return null;
        }
    }

    private static void noteModels(Exchange x, TranslatedRequest tr) {
        x.clientModel = tr.facts().clientModel();
        x.upstreamModel = tr.facts().upstreamModel();
    }

    /** Clamps {@code max_tokens} to the model's window and applies the tool-choice fallback already learned. */
    private TranslatedRequest prepare(TranslatedRequest tr) {
        ensureCatalog();
        return toolFallback.beforeSend(clamp.beforeSend(tr, catalog.maxModelLen(tr.facts().upstreamModel())));
    }

    /** One upstream call and what watches it for a departed client until its answer is taken over. */
    private record Call(UpstreamClient.Exchange exchange, AtomicBoolean clientGone, ClientWatch watch, int bodyBytes) {}

    private Call open(Exchange x, TranslatedRequest tr) {
        byte[] upstreamBody = tr.upstreamBody();
        UpstreamClient.Exchange call = upstream.post("/v1/chat/completions", upstreamBody, x.requestId);
        AtomicBoolean clientGone = new AtomicBoolean();
        x.request.addFailureListener(t -> {
            if (!x.detached()) { // a stream's relay listens itself
                clientGone.set(true);
                call.abort(t);
            }
        });
        ClientWatch watch = new ClientWatch(x.request, () -> {
            clientGone.set(true);
            call.abort(new IOException("client disconnected"));
        }, watches);
        return new Call(call, clientGone, watch, upstreamBody.length);
    }

    /** Sends {@code tr} and answers the client, waiting for the upstream's headers (blocking). */
    private void send(Exchange x, TranslatedRequest tr, boolean retried) throws IOException, InterruptedException {
        Call c = open(x, tr);
        org.eclipse.jetty.client.Response head = null;
        IOException failure = null;
        try {
            head = c.exchange.awaitHead();
        } catch (IOException e) {
            failure = e;
        }
        answer(x, tr, c, head, failure, retried);
    }

    /**
     * Answers the client once the upstream's headers (or its failure) are in. Blocks only to read an upstream error
     * body or a non-streaming answer; a stream with status 200 is handed to the relay at once.
     */
    private void answer(Exchange x, TranslatedRequest tr, Call c, org.eclipse.jetty.client.Response head,
                        IOException failure, boolean retried) throws IOException, InterruptedException {
        if (failure != null) {
            c.watch.close();
            if (c.clientGone.get()) {
                cancelled(x, "before_response");
                return;
            }
            metrics.upstreamError("unreachable");
            fail(x, ErrorMapping.unreachable(failure.getMessage()));
            return;
        }
        if (head.getStatus() != 200) {
            c.watch.close();
            byte[] err = c.exchange.readBody(MAX_UPSTREAM_ERROR_BODY);
            TranslatedRequest noParser = toolFallback.onUpstreamError(tr, head.getStatus(), err);
            if (noParser != null) {
                x.note = "no-tool-parser:tool_choice=none";
                send(x, noParser, retried);
                return;
            }
            ContextClamp.Decision d = clamp.onUpstreamError(tr, head.getStatus(), err,
                    head.getHeaders().get(HttpHeader.RETRY_AFTER), catalog.maxModelLen(x.upstreamModel), retried);
            if (d instanceof ContextClamp.Decision.Retry r) {
                x.note = "clamp-retry";
                send(x, r.request(), true);
                return;
            }
            AnthropicError e = ((ContextClamp.Decision.Fail) d).error();
            if (e.status() >= 500) {
                metrics.upstreamError("http_" + head.getStatus());
            }
            fail(x, e);
            return;
        }
        if (tr.facts().stream()) {
            c.watch.close(); // from here on, pings and writes notice a departed client
            stream(x, tr, c.exchange, c.bodyBytes);
        } else {
            nonStream(x, tr, c.exchange, c.clientGone, c.bodyBytes, c.watch);
        }
    }

    private void ensureCatalog() {
        if (catalog.cached().isEmpty()) {
            try {
                catalog.models();
            } catch (Exception e) {
                // unreachable upstream: the request itself will report it
            }
        }
    }

    private void nonStream(Exchange x, TranslatedRequest tr, UpstreamClient.Exchange call, AtomicBoolean clientGone,
                           int bodyBytes, ClientWatch watch) throws IOException {
        byte[] body;
        try {
            body = call.readBody(MAX_UPSTREAM_BODY);
        } catch (IOException e) {
            watch.close();
            if (clientGone.get()) {
                cancelled(x, "non_streaming");
                return;
            }
            metrics.upstreamError("read");
            fail(x, AnthropicError.api("upstream connection failed while reading the response: "
                    + UpstreamClient.describe(e)));
            return;
        }
        watch.close(); // before answering: the client may send its next request at once on this connection
        x.ttftNanos = System.nanoTime() - x.startNanos;
        try {
            TranslatedResponse r = ResponseTranslator.translate(body, tr.facts(), AnthropicIds.messageId());
            x.stopReason = r.stopReason();
            x.inputTokens = r.inputTokens();
            x.outputTokens = r.outputTokens();
            x.cachedTokens = r.cacheReadTokens();
            estimator.observe(x.upstreamModel, bodyBytes, r.inputTokens() + r.cacheReadTokens());
            x.status = 200;
            Responses.json(x.response, 200, r.body(), x.requestId);
        } catch (AnthropicException e) {
            metrics.upstreamError("bad_response");
            fail(x, e.error());
        }
    }

    /**
     * Answers with SSE: from here on no thread waits for this stream. {@link StreamRelay} relays and translates the
     * upstream body as it arrives and completes the exchange (and its access-log line) when the stream ends.
     */
    private void stream(Exchange x, TranslatedRequest tr, UpstreamClient.Exchange call, int bodyBytes) {
        x.status = 200;
        x.response.setStatus(200);
        var h = x.response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
        h.put("x-accel-buffering", "no");
        h.put(Responses.REQUEST_ID, x.requestId);
        long estimate = estimator.estimate(x.upstreamModel, bodyBytes);
        UpstreamStream us = new UpstreamStream(tr.facts(), AnthropicIds.messageId(), x.requestId, estimate);
        StreamRelay relay = new StreamRelay(x, us, call, x.request.getComponents().getScheduler(), pings,
                config.pingInterval().toNanos(), () -> metrics.upstreamError("stream_read"),
                (r, failure) -> streamEnded(x, r, failure, bodyBytes));
        active.add(relay);
        metrics.streamStarted();
        x.detach();
        relay.start();
    }

    private void streamEnded(Exchange x, StreamRelay relay, Throwable failure, int bodyBytes) {
        active.remove(relay);
        metrics.streamEnded();
        StreamOutcome o = relay.stream().outcome();
        if (failure != null) {
            cancelled(x, o.contentStarted() ? "mid_stream" : "prefill");
        }
        x.stopReason = o.stopReason() != null ? o.stopReason() : o.error() != null ? "error:" + o.error().type().wireName() : null;
        x.inputTokens = o.usage().inputTokens();
        x.outputTokens = o.usage().outputTokens();
        x.cachedTokens = o.usage().cacheReadInputTokens();
        if (o.stopReason() != null) {
            estimator.observe(x.upstreamModel, bodyBytes, o.usage().inputTokens() + o.usage().cacheReadInputTokens());
        }
        x.complete(failure);
    }

    private void cancelled(Exchange x, String phase) {
        metrics.clientCancellation(phase);
        x.status = 499;
        x.note = "client_cancelled:" + phase;
    }

    private void fail(Exchange x, AnthropicError e) throws IOException {
        x.status = e.status();
        x.stopReason = "error:" + e.type().wireName();
        Responses.error(x.response, e, x.requestId);
    }
}
