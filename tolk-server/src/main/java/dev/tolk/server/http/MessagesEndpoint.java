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
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code POST /v1/messages}: translate, clamp {@code max_tokens} to the window, call the upstream, and answer as
 * JSON or SSE (protocol.md §C.4). The upstream's status is awaited before any SSE byte, so an upstream error is an
 * Anthropic error response, never a broken stream. A client that goes away aborts the upstream request: at once
 * while tokens flow (the write fails), within one ping interval while the upstream is silent (the ping write
 * fails), or as soon as Jetty reports the connection failed.
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
    }

    void handle(Exchange x, byte[] body) throws IOException, InterruptedException {
        TranslatedRequest tr;
        try {
            tr = translator.translate(body);
        } catch (AnthropicException e) {
            fail(x, e.error());
            return;
        }
        x.clientModel = tr.facts().clientModel();
        x.upstreamModel = tr.facts().upstreamModel();
        ensureCatalog();
        tr = toolFallback.beforeSend(clamp.beforeSend(tr, catalog.maxModelLen(tr.facts().upstreamModel())));
        boolean retried = false;
        while (true) {
            byte[] upstreamBody = tr.upstreamBody();
            UpstreamClient.Exchange call = upstream.post("/v1/chat/completions", upstreamBody, x.requestId);
            AtomicBoolean clientGone = new AtomicBoolean();
            x.request.addFailureListener(t -> {
                clientGone.set(true);
                call.abort(t);
            });
            ClientWatch watch = new ClientWatch(x.request, () -> {
                clientGone.set(true);
                call.abort(new IOException("client disconnected"));
            });
            org.eclipse.jetty.client.Response head;
            try {
                head = call.awaitHead();
            } catch (IOException e) {
                watch.close();
                if (clientGone.get()) {
                    cancelled(x, "before_response");
                    return;
                }
                metrics.upstreamError("unreachable");
                fail(x, ErrorMapping.unreachable(e.getMessage()));
                return;
            }
            if (head.getStatus() != 200) {
                watch.close();
                byte[] err = call.readBody(MAX_UPSTREAM_ERROR_BODY);
                TranslatedRequest noParser = toolFallback.onUpstreamError(tr, head.getStatus(), err);
                if (noParser != null) {
                    tr = noParser;
                    x.note = "no-tool-parser:tool_choice=none";
                    continue;
                }
                ContextClamp.Decision d = clamp.onUpstreamError(tr, head.getStatus(), err,
                        head.getHeaders().get(HttpHeader.RETRY_AFTER), catalog.maxModelLen(x.upstreamModel), retried);
                if (d instanceof ContextClamp.Decision.Retry r) {
                    retried = true;
                    tr = r.request();
                    x.note = "clamp-retry";
                    continue;
                }
                AnthropicError e = ((ContextClamp.Decision.Fail) d).error();
                if (e.status() >= 500) {
                    metrics.upstreamError("http_" + head.getStatus());
                }
                fail(x, e);
                return;
            }
            if (tr.facts().stream()) {
                watch.close(); // from here on, pings and writes notice a departed client
                stream(x, tr, call, clientGone, upstreamBody.length);
            } else {
                nonStream(x, tr, call, clientGone, upstreamBody.length, watch);
            }
            return;
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

    private void stream(Exchange x, TranslatedRequest tr, UpstreamClient.Exchange call, AtomicBoolean clientGone,
                        int bodyBytes) throws InterruptedException {
        x.status = 200;
        x.response.setStatus(200);
        var h = x.response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
        h.put("x-accel-buffering", "no");
        h.put(Responses.REQUEST_ID, x.requestId);
        long estimate = estimator.estimate(x.upstreamModel, bodyBytes);
        UpstreamStream us = new UpstreamStream(tr.facts(), AnthropicIds.messageId(), x.requestId, estimate);
        SseOutput out = new SseOutput(8192);
        ReentrantLock lock = new ReentrantLock();
        AtomicBoolean done = new AtomicBoolean();
        long[] lastWrite = {System.nanoTime()};
        ActiveStreams.Stream handle = reason -> {
            lock.lock();
            try {
                us.fail(AnthropicError.overloaded(reason), out);
                flush(x, out, lastWrite);
            } catch (IOException e) {
                // client already gone
            } finally {
                lock.unlock();
                call.abort(new IOException(reason));
            }
        };
        active.add(handle);
        metrics.streamStarted();
        Thread pinger = Thread.ofVirtual().name("tolk-ping-" + x.requestId).start(() -> ping(x, us, out, lock, done,
                lastWrite, call, clientGone));
        try {
            lock.lock();
            try {
                us.start(out);
                flush(x, out, lastWrite);
            } finally {
                lock.unlock();
            }
            InputStream in = call.body();
            byte[] buf = new byte[16384];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    if (clientGone.get()) {
                        throw e;
                    }
                    metrics.upstreamError("stream_read");
                    lock.lock();
                    try {
                        us.fail(AnthropicError.api("upstream connection failed mid-stream: " + UpstreamClient.describe(e)),
                                out);
                        flush(x, out, lastWrite);
                    } finally {
                        lock.unlock();
                    }
                    break;
                }
                if (n < 0) {
                    break;
                }
                lock.lock();
                try {
                    us.feed(buf, 0, n, out);
                    if (x.ttftNanos < 0 && us.outcome().contentStarted()) {
                        x.ttftNanos = System.nanoTime() - x.startNanos;
                    }
                    if (!out.isEmpty()) {
                        flush(x, out, lastWrite);
                    }
                } finally {
                    lock.unlock();
                }
                if (us.isTerminated()) {
                    break;
                }
            }
            lock.lock();
            try {
                if (!us.isTerminated()) {
                    us.end(out);
                }
                if (!out.isEmpty()) {
                    flush(x, out, lastWrite);
                }
            } finally {
                lock.unlock();
            }
            call.abort(new IOException("stream complete")); // releases the upstream connection if it lingers
            Responses.write(x.response, true, ByteBuffer.allocate(0));
        } catch (IOException e) {
            call.abort(e);
            cancelled(x, us.outcome().contentStarted() ? "mid_stream" : "prefill");
        } finally {
            done.set(true);
            pinger.interrupt();
            active.remove(handle);
            metrics.streamEnded();
            StreamOutcome o = us.outcome();
            x.stopReason = o.stopReason() != null ? o.stopReason() : o.error() != null ? "error:" + o.error().type().wireName() : null;
            x.inputTokens = o.usage().inputTokens();
            x.outputTokens = o.usage().outputTokens();
            x.cachedTokens = o.usage().cacheReadInputTokens();
            if (o.stopReason() != null) {
                estimator.observe(x.upstreamModel, bodyBytes, o.usage().inputTokens() + o.usage().cacheReadInputTokens());
            }
        }
    }

    /** Sends {@code ping} while the upstream is silent; a failed ping means the client left: abort upstream. */
    private void ping(Exchange x, UpstreamStream us, SseOutput out, ReentrantLock lock, AtomicBoolean done,
                      long[] lastWrite, UpstreamClient.Exchange call, AtomicBoolean clientGone) {
        long interval = config.pingInterval().toNanos();
        while (!done.get()) {
            try {
                long wait = Math.max(1_000_000, lastWrite[0] + interval - System.nanoTime());
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            if (done.get()) {
                return;
            }
            if (System.nanoTime() - lastWrite[0] < interval || !lock.tryLock()) {
                continue;
            }
            try {
                if (us.isTerminated() || done.get()) {
                    return;
                }
                us.ping(out);
                flush(x, out, lastWrite);
            } catch (IOException e) {
                clientGone.set(true);
                call.abort(e);
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private static void flush(Exchange x, SseOutput out, long[] lastWrite) throws IOException {
        if (out.isEmpty()) {
            return;
        }
        try {
            Responses.write(x.response, false, out.asByteBuffer()); // blocking: the buffer is free again on return
        } finally {
            out.reset();
        }
        lastWrite[0] = System.nanoTime();
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
