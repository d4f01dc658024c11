package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicIds;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.dispatch.Attempt;
import dev.tolk.core.dispatch.Decision;
import dev.tolk.core.dispatch.DispatchPolicy;
import dev.tolk.core.dispatch.FleetCatalog;
import dev.tolk.core.dispatch.MessagesIntake;
import dev.tolk.core.dispatch.RetryReason;
import dev.tolk.core.dispatch.RoutingHint;
import dev.tolk.core.keys.Admission;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyCounters;
import dev.tolk.core.keys.SchedulingPriority;
import dev.tolk.core.translate.request.PassthroughBody;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.response.ResponseTranslator;
import dev.tolk.core.translate.response.TranslatedResponse;
import dev.tolk.core.translate.stream.StreamOutcome;
import dev.tolk.core.translate.stream.UpstreamStream;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.server.metrics.IgnoredInputs;
import dev.tolk.server.tracing.AttemptSpan;
import dev.tolk.server.tracing.Tracing;
import dev.tolk.server.upstream.UpstreamClient;
import dev.tolk.server.upstream.Upstreams;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code POST /v1/messages}: translate, clamp {@code max_tokens} to the window, call the upstream, and answer as
 * JSON or SSE (protocol.md §C.4). The upstream's status is awaited before any SSE byte, so an upstream error is an
 * Anthropic error response, never a broken stream. What to send, whether to retry and which error to answer are
 * {@link DispatchPolicy}'s decisions; this class sends and relays. A stream takes no thread of its own ({@link #start}): the request
 * is sent from the Jetty thread that read it and the relay ({@link StreamRelay}) starts on the thread that receives
 * the upstream's headers; what may block (an error body to read, a retry, a non-streaming answer) runs on a virtual
 * thread. A client that goes away aborts the upstream request: at once while tokens
 * flow (the write fails), within one ping interval while the upstream is silent (the ping write fails), or as soon
 * as Jetty reports the connection failed.
 */
final class MessagesEndpoint {
    private static final int MAX_UPSTREAM_BODY = 256 << 20;

    private final MessagesIntake intake;
    private final Upstreams upstreams;
    private final FleetCatalog catalog;
    private final DispatchPolicy policy;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;
    private final ActiveStreams active;
    private final Ticker<ClientWatch> watches = new Ticker<>(ClientWatch.POLL_MILLIS, ClientWatch::probe);
    private final Ticker<StreamRelay> pings;
    private final IgnoredInputs ignored;
    private final KeyCounters keyCounters;
    /** The fair queue of a fleet that can be saturated (an upstream has a capacity), or null. */
    private final FairGate gate;
    /** Null when tracing is off: then a request makes no span and no trace header of its own. */
    private final Tracing tracing;

    MessagesEndpoint(MessagesIntake intake, Upstreams upstreams, DispatchPolicy policy, GatewayMetrics metrics,
                     GatewayConfig config, ActiveStreams active, KeyCounters keyCounters, Tracing tracing) {
        this.tracing = tracing.enabled() ? tracing : null;
        this.intake = intake;
        this.upstreams = upstreams;
        this.catalog = upstreams.catalog();
        this.policy = policy;
        this.metrics = metrics;
        this.config = config;
        this.active = active;
        this.pings = new Ticker<>(StreamRelay.pingCheckMillis(config.pingInterval()), StreamRelay::pingCheck);
        this.ignored = new IgnoredInputs(metrics);
        this.keyCounters = keyCounters;
        this.gate = config.fairQueue() && FairGate.needed(upstreams.fleet())
                ? new FairGate(upstreams.fleet(), config.queueWait(), config.pingInterval(), watches) : null;
        if (gate != null) {
            metrics.fairQueue(gate::held);
        }
    }

    /** A step of a request that may block, run on a virtual thread of its own. */
    @FunctionalInterface
    interface BlockingStep {
        void run() throws Exception;
    }

    /** Serves a request whose body has been read, on a virtual thread (it blocks until the upstream answers). */
    private void handle(Exchange x, byte[] body) throws Exception {
        TranslatedRequest tr = translate(x, body);
        if (tr == null) {
            return;
        }
        AnthropicError refused = admit(x, tr);
        if (refused != null) {
            fail(x, refused);
            return;
        }
        if (gate != null) {
            java.util.concurrent.CompletableFuture<BlockingStep> next = new java.util.concurrent.CompletableFuture<>();
            if (held(x, tr, next::complete)) {
                next.get().run(); // this thread waits for the release (or the 529, or the client's departure)
                return;
            }
        }
        send(x, prepare(x, tr));
    }

    /**
     * The key's limits ({@link Admission}, before any upstream call): null when the request may go on (its slot, if
     * the key is counted, is given back when the exchange ends), else the error to answer.
     */
    private AnthropicError admit(Exchange x, TranslatedRequest tr) {
        ClientKey key = x.clientKey;
        if (!key.limits().limited()) {
            return null; // a key without limits costs nothing here
        }
        Admission.Refusal r = Admission.begin(keyCounters, key, x.clientModel, () -> policy.promptEstimate(tr),
                System.currentTimeMillis());
        if (r != null) {
            metrics.keyRefused(r.reason().name().toLowerCase(java.util.Locale.ROOT));
            return r.error();
        }
        if (Admission.counted(key.limits())) {
            x.keyCounters = keyCounters;
        }
        return null;
    }

    /**
     * Holds the request in the fair queue while every upstream serving its model is at its capacity (true: what
     * happens next runs through {@code onThread}: the request sent when released, a 529 after the wait, or nothing
     * more when the client left); false: it goes on at once.
     */
    private boolean held(Exchange x, TranslatedRequest tr, java.util.function.Consumer<BlockingStep> onThread) {
        // an upstream that speaks Anthropic answers with its own head: its requests are held without pings
        return gate != null && gate.hold(x, tr.facts().upstreamModel(), tr.facts().stream() && !upstreams.anyAnthropic(),
                () -> onThread.accept(() -> send(x, prepare(x, tr))),
                () -> onThread.accept(() -> {
                    metrics.queueTimeout();
                    fail(x, AnthropicError.overloaded("every upstream serving " + tr.facts().upstreamModel()
                            + " has been busy for " + config.queueWait().toSeconds() + " s (Tolk's fair queue); "
                            + "try again").withRetryAfter(1));
                }),
                () -> onThread.accept(() -> cancelled(x, "queued")));
    }

    /**
     * Serves a request without a thread waiting for the upstream, on the Jetty thread that read its body: when the
     * upstream answers a streaming request with 200, the relay starts on the thread that received the headers. What
     * else can happen (a translation error, a non-streaming request, an upstream error to map or retry, a model
     * catalog not fetched yet) goes on through {@code onThread}, which runs the step on a virtual thread.
     */
    void start(Exchange x, byte[] body, java.util.function.Consumer<BlockingStep> onThread) {
        if (tracing != null) {
            x.trace = tracing.request(x.request.getHeaders(), x.startNanos, x.requestId);
        }
        if (upstreams.anyAnthropic()) {
            x.clientBody = body; // an upstream may take it untranslated
        }
        try {
            if (!catalog.loaded()) {
                // model routing may have to fetch the catalog: only a virtual thread may wait for that
                onThread.accept(() -> handle(x, body));
                return;
            }
            TranslatedRequest translated;
            try {
                translated = translateTurn(x, body);
            } catch (AnthropicException e) {
                onThread.accept(() -> fail(x, e.error()));
                return;
            }
            noteModels(x, translated);
            AnthropicError refused = admit(x, translated);
            if (refused != null) {
                onThread.accept(() -> fail(x, refused));
                return;
            }
            if (held(x, translated, onThread)) {
                return;
            }
            if (!translated.facts().stream()) {
                onThread.accept(() -> send(x, prepare(x, translated)));
                return;
            }
            Attempt attempt = policy.first(translated, hint(x));
            Call c = open(x, attempt);
            c.exchange.onHead((head, failure) -> {
                try {
                    if (failure == null && head.getStatus() == 200 && !upstreams.anthropic(attempt.upstream())) {
                        answer(x, attempt, c, head, null); // a stream: starts the relay, never blocks
                    } else {
                        onThread.accept(() -> answer(x, attempt, c, head, failure));
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

    /**
     * Parses and translates {@code body}; a request with {@code thread} becomes its turn ({@code x.thread}), a
     * continue expanded into the whole conversation (which is also what an upstream speaking Anthropic is passed).
     * The exchange ends the turn when it completes.
     */
    private TranslatedRequest translateTurn(Exchange x, byte[] body) throws AnthropicException {
        MessagesIntake.Intake in = intake.messages(body); // thread hook 1 of 2
        x.thread = in.thread();
        if (x.thread != null && x.clientBody != null) {
            x.clientBody = x.thread.requestBody();
        }
        return in.translated();
    }

    private TranslatedRequest translate(Exchange x, byte[] body) throws IOException {
        try {
            TranslatedRequest tr = translateTurn(x, body);
            noteModels(x, tr);
            return tr;
        } catch (AnthropicException e) {
            fail(x, e.error());
            return null;
        }
    }

    private void noteModels(Exchange x, TranslatedRequest tr) {
        x.clientModel = tr.facts().clientModel();
        x.upstreamModel = tr.facts().upstreamModel();
        ignored.note(tr.unknownFields(), x.request.getHeaders().get("anthropic-beta"));
        if (x.trace != null) {
            x.trace.translated(tr);
        }
    }

    /** The first attempt, once the model catalog (and with it the model's window) is known if it can be. */
    private Attempt prepare(Exchange x, TranslatedRequest tr) {
        catalog.awaitLoaded();
        return policy.first(tr, hint(x));
    }

    /**
     * What routing needs from the request's headers and its thread turn (a continue is keyed by its thread and pinned
     * where the turn before it was answered): nothing with one upstream.
     */
    private RoutingHint hint(Exchange x) {
        if (upstreams.size() == 1) {
            return RoutingHint.NONE;
        }
        return RoutingHint.of(x.request.getHeaders().get(SESSION_HEADER), x.thread);
    }

    /** Claude Code's session id, the conversation key when present (docs/fleet.md). */
    static final String SESSION_HEADER = "x-claude-code-session-id";

    /** One upstream call and what watches it for a departed client until its answer is taken over. */
    private record Call(UpstreamClient.Exchange exchange, AtomicBoolean clientGone, ClientWatch watch,
                        AttemptSpan span) {}

    private Call open(Exchange x, Attempt attempt) {
        int u = attempt.upstream();
        x.upstream = upstreams.name(u);
        var load = upstreams.fleet().member(u).load();
        load.begin();
        FairGate.Pass pass = x.pass;
        if (pass != null) {
            pass.begun();
        }
        boolean anthropic = upstreams.anthropic(u);
        String path = anthropic ? "/v1/messages" : "/v1/chat/completions";
        AttemptSpan span = x.trace == null ? null
                : x.trace.attempt(attempt, x.upstream, upstreams.client(u).base(), path, anthropic);
        java.util.function.IntConsumer done = status -> {
            load.end();
            metrics.upstreamResponse(u, status);
            if (gate != null) {
                gate.release(); // room on this upstream: the fair queue's next request
            }
            if (span != null && status > 0) {
                span.ended(status); // no response (0): answer() ends it with the failure
            }
        };
        String[] traceHeaders = span != null ? span.traceHeaders() : clientTraceContext(x);
        UpstreamClient.Exchange call;
        if (anthropic) {
            call = upstreams.client(u).post(path, passthroughBody(x, attempt), x.requestId, done,
                    new String[] {"anthropic-version", orDefault(x.request.getHeaders().get("anthropic-version")),
                            "anthropic-beta", x.request.getHeaders().get("anthropic-beta")}, traceHeaders);
        } else {
            call = upstreams.client(u).post(path, chatBody(x, attempt, u), x.requestId, done, null, traceHeaders);
        }
        AtomicBoolean clientGone = new AtomicBoolean();
        x.request.addFailureListener(t -> {
            if (!x.detached()) { // a stream's relay listens itself
                clientGone.set(true);
                call.abort(t);
            }
        });
        Runnable onGone = () -> {
            clientGone.set(true);
            call.abort(new IOException("client disconnected"));
        };
        // a stream's head comes at once from vLLM; a non-streaming answer's only with the whole generation
        ClientWatch watch = attempt.request().facts().stream()
                ? new ClientWatch(x.request, onGone, watches, System.nanoTime() + config.upstreamHeadTimeout().toNanos(),
                        () -> call.abort(new java.util.concurrent.TimeoutException("no response head within "
                                + config.upstreamHeadTimeout().toSeconds() + " s")))
                : new ClientWatch(x.request, onGone, watches);
        return new Call(call, clientGone, watch, span);
    }

    /**
     * Tracing off: the client's W3C trace context goes upstream as it came, so that an upstream tracing on its own
     * (vLLM's {@code --otlp-traces-endpoint}) joins the client's trace; null when the client sent none.
     */
    private static String[] clientTraceContext(Exchange x) {
        String traceparent = x.request.getHeaders().get("traceparent");
        return traceparent == null ? null
                : new String[] {"traceparent", traceparent, "tracestate", x.request.getHeaders().get("tracestate")};
    }

    /** Sends {@code attempt} and answers the client, waiting for the upstream's headers (blocking). */
    private void send(Exchange x, Attempt attempt) throws IOException, InterruptedException {
        Call c = open(x, attempt);
        org.eclipse.jetty.client.Response head = null;
        IOException failure = null;
        try {
            head = c.exchange.awaitHead();
        } catch (IOException e) {
            failure = e;
        }
        answer(x, attempt, c, head, failure);
    }

    /**
     * Answers the client once the upstream's headers (or its failure) are in. Blocks only to read an upstream error
     * body or a non-streaming answer; a stream with status 200 is handed to the relay at once.
     */
    private void answer(Exchange x, Attempt attempt, Call c, org.eclipse.jetty.client.Response head,
                        IOException failure) throws IOException, InterruptedException {
        if (failure != null) {
            c.watch.close();
            if (c.span != null) {
                c.span.failed(failure, failure.getMessage());
            }
            if (c.clientGone.get()) {
                cancelled(x, "before_response");
                return;
            }
            decided(x, policy.afterNoAnswer(attempt, failure.getMessage()));
            return;
        }
        if (upstreams.anthropic(attempt.upstream())) {
            passthrough(x, attempt, c, head);
            return;
        }
        if (head.getStatus() != 200) {
            c.watch.close();
            byte[] err = c.exchange.readBody(DispatchPolicy.MAX_ERROR_BODY);
            String retryAfter = head.getHeaders().get(HttpHeader.RETRY_AFTER);
            decided(x, policy.afterError(attempt, head.getStatus(), err, retryAfter));
            return;
        }
        if (x.thread != null) {
            x.thread.answeredBy(policy.upstreamName(attempt)); // its next continue is pinned here
        }
        if (attempt.request().facts().stream()) {
            c.watch.close(); // from here on, pings and writes notice a departed client
            stream(x, attempt, c.exchange);
        } else {
            nonStream(x, attempt, c.exchange, c.clientGone, c.watch);
        }
    }

    /**
     * The Chat Completions body; to an upstream that schedules by priority, with the key's priority as vLLM's
     * {@code priority} ({@link SchedulingPriority}: the default key sends none).
     */
    private byte[] chatBody(Exchange x, Attempt attempt, int u) {
        if (upstreams.config(u).priorityScheduling()) {
            int p = SchedulingPriority.vllm(x.clientKey.limits().priority());
            if (p != 0) {
                return attempt.request().withPriority(p).upstreamBody();
            }
        }
        return attempt.request().upstreamBody();
    }

    private static String orDefault(String anthropicVersion) {
        return anthropicVersion == null ? "2023-06-01" : anthropicVersion;
    }

    /** The client's body with Tolk's fixes for an upstream that speaks Anthropic ({@link PassthroughBody}). */
    private static byte[] passthroughBody(Exchange x, Attempt attempt) {
        try {
            return PassthroughBody.rewrite(x.clientBody, attempt.upstreamModel(), attempt.request().maxTokens());
        } catch (IOException e) { // translation parsed the same bytes, so this does not happen
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * An upstream that speaks Anthropic answered: its response goes to the client as it is (a stream byte for byte,
     * on this virtual thread), except where the policy moves the request to another upstream (failover, or the
     * context-window retry with the exact room). The client's departure aborts the upstream request.
     */
    private void passthrough(Exchange x, Attempt attempt, Call c, org.eclipse.jetty.client.Response head)
            throws IOException, InterruptedException {
        c.watch.close();
        int status = head.getStatus();
        if (status != 200) {
            byte[] err = c.exchange.readBody(DispatchPolicy.MAX_ERROR_BODY);
            Decision d = policy.afterError(attempt, status, err, head.getHeaders().get(HttpHeader.RETRY_AFTER));
            if (d instanceof Decision.Retry r && (r.next().reason() == RetryReason.FAILOVER
                    || r.next().reason() == RetryReason.CONTEXT_WINDOW)) {
                decided(x, d);
                return;
            }
            x.status = status;
            x.stopReason = "error:upstream";
            String retryAfter = head.getHeaders().get(HttpHeader.RETRY_AFTER);
            if (retryAfter != null) {
                x.response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfter);
            }
            Responses.json(x.response, status, err, x.requestId);
            return;
        }
        boolean stream = attempt.request().facts().stream();
        // a relayed stream is one of the active streams: a graceful shutdown ends it after its grace like any other
        java.util.concurrent.atomic.AtomicReference<String> endedBy = new java.util.concurrent.atomic.AtomicReference<>();
        ActiveStreams.Stream terminable = new ActiveStreams.Stream() {
            @Override
            public void terminate(String reason) {
                endedBy.set(reason);
                c.exchange.abort(new IOException(reason));
            }

            @Override
            public RunningStream running(long nowNanos) {
                String session = x.request.getHeaders().get(SESSION_HEADER);
                // passed through untranslated: no chunk is counted on the way
                return new RunningStream(x.requestId, session == null ? null : AccessLog.loggable(session),
                        x.clientKey.name(), x.clientModel, x.upstreamModel, x.upstream, x.startEpochMillis,
                        (nowNanos - x.startNanos) / 1_000_000, true, 0);
            }
        };
        if (stream) {
            active.add(terminable);
            metrics.streamStarted();
        }
        try {
            PassthroughRelay.relay(x, stream, c.exchange, head, () -> cancelled(x, "mid_stream"),
                    () -> metrics.upstreamError("stream_read"), endedBy::get);
        } finally {
            if (stream) {
                active.remove(terminable);
                metrics.streamEnded();
            }
        }
    }

    /** Carries out the policy's decision about an attempt that did not succeed: the next attempt, or the error. */
    private void decided(Exchange x, Decision d) throws IOException, InterruptedException {
        switch (d) {
            case Decision.Retry r -> {
                Attempt next = r.next();
                if (x.trace != null) {
                    x.trace.retried(next, upstreams.name(next.previous().upstream()), upstreams.name(next.upstream()));
                }
                if (next.reason() == RetryReason.FAILOVER) {
                    int from = next.previous().upstream();
                    metrics.failover(from);
                    x.note = "failover:" + upstreams.name(from) + ">" + upstreams.name(next.upstream());
                } else {
                    x.note = next.reason().logNote();
                }
                send(x, next);
            }
            case Decision.Fail f -> {
                if (f.upstreamFault() != null) {
                    metrics.upstreamError(f.upstreamFault());
                }
                fail(x, f.error());
            }
        }
    }

    private void nonStream(Exchange x, Attempt attempt, UpstreamClient.Exchange call, AtomicBoolean clientGone,
                           ClientWatch watch) throws IOException, InterruptedException {
        byte[] body;
        try {
            body = call.readBody(MAX_UPSTREAM_BODY);
        } catch (IOException e) {
            watch.close();
            if (clientGone.get()) {
                cancelled(x, "non_streaming");
                return;
            }
            decided(x, policy.afterBrokenBody(attempt, UpstreamClient.describe(e)));
            return;
        }
        watch.close(); // before answering: the client may send its next request at once on this connection
        x.ttftNanos = System.nanoTime() - x.startNanos;
        try {
            String id = AnthropicIds.messageId();
            if (x.trace != null) {
                x.trace.responseId(id);
            }
            TranslatedResponse r = ResponseTranslator.translate(body, attempt.request().facts(), id);
            x.stopReason = r.stopReason();
            x.inputTokens = r.inputTokens();
            x.outputTokens = r.outputTokens();
            x.cachedTokens = r.cacheReadTokens();
            metrics.upstreamTokens(attempt.upstream(), r.inputTokens() + r.cacheReadTokens(), r.cacheReadTokens());
            policy.answered(attempt, r);
            x.status = 200;
            if (x.thread != null) {
                x.thread.recordMessage(r.body()); // thread hook 2 of 2: stored before the client can continue it
            }
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
    private void stream(Exchange x, Attempt attempt, UpstreamClient.Exchange call) {
        x.status = 200;
        if (!x.response.isCommitted()) { // else the fair queue sent the head while the request was held
            x.response.setStatus(200);
            var h = x.response.getHeaders();
            h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            h.put(HttpHeader.CACHE_CONTROL, "no-cache");
            h.put("x-accel-buffering", "no");
            h.put(Responses.REQUEST_ID, x.requestId);
        }
        String id = AnthropicIds.messageId();
        if (x.trace != null) {
            x.trace.responseId(id);
        }
        UpstreamStream us = new UpstreamStream(attempt.request().facts(), id, x.requestId,
                policy.promptEstimate(attempt), x.thread == null ? null : x.thread.recorder()); // hook 2, streaming
        java.util.concurrent.atomic.AtomicReference<Attempt> current = new java.util.concurrent.atomic.AtomicReference<>(
                attempt);
        StreamRelay relay = new StreamRelay(x, us, call, x.request.getComponents().getScheduler(), pings,
                config.pingInterval().toNanos(), () -> metrics.upstreamError("stream_read"),
                upstreams.size() == 1 ? null : (r, detail) -> failOverStream(x, current, r,
                        policy.afterNoAnswer(current.get(), detail)),
                (r, failure) -> streamEnded(x, r, failure, current.get()));
        active.add(relay);
        metrics.streamStarted();
        x.detach();
        relay.start();
    }

    /**
     * A stream's upstream failed before its first body byte, and the policy decided {@code d}: on a retry, the request
     * goes to the next upstream and the relay continues with its body once its head says 200 (another failure there
     * is decided the same way). False when there is nothing to move to (the relay ends the stream with an error). Runs
     * on the relay's or a Jetty client thread: nothing here blocks.
     */
    private boolean failOverStream(Exchange x, java.util.concurrent.atomic.AtomicReference<Attempt> current,
                                   StreamRelay relay, Decision d) {
        if (!(d instanceof Decision.Retry r) || r.next().reason() != RetryReason.FAILOVER
                || upstreams.anthropic(r.next().upstream())) { // a passthrough answer cannot continue a translated stream
            return false;
        }
        Attempt next = r.next();
        int from = next.previous().upstream();
        metrics.failover(from);
        x.note = "failover:" + upstreams.name(from) + ">" + upstreams.name(next.upstream());
        current.set(next);
        Call c = open(x, next);
        relay.attach(c.exchange);
        c.exchange.onHead((head, failure) -> {
            c.watch.close();
            if (c.clientGone.get() || relay.ending()) { // the client left or Tolk shuts down: nothing to decide
                c.exchange.abort(new IOException("stream complete"));
                return;
            }
            if (failure == null && head.getStatus() == 200) {
                if (x.thread != null) {
                    x.thread.answeredBy(policy.upstreamName(next));
                }
                relay.resume();
                return;
            }
            Decision then;
            if (failure != null) {
                then = policy.afterNoAnswer(next, failure.getMessage());
            } else {
                c.exchange.abort(new IOException("upstream status " + head.getStatus()));
                then = policy.afterError(next, head.getStatus(), new byte[0],
                        head.getHeaders().get(HttpHeader.RETRY_AFTER));
            }
            if (!failOverStream(x, current, relay, then)) {
                relay.resumeFailed(then instanceof Decision.Fail f ? f.error()
                        : dev.tolk.core.translate.error.ErrorMapping.unreachable("no upstream answered"));
            }
        });
        return true;
    }

    private void streamEnded(Exchange x, StreamRelay relay, Throwable failure, Attempt attempt) {
        active.remove(relay);
        metrics.streamEnded();
        StreamOutcome o = relay.stream().outcome();
        if (failure != null) {
            cancelled(x, o.contentStarted() ? "mid_stream" : "prefill");
        }
        x.stopReason = o.stopReason() != null ? o.stopReason() : o.error() != null ? "error:" + o.error().type().wireName() : null;
        if (o.error() != null) {
            x.errorMessage = o.error().message();
        }
        x.inputTokens = o.usage().inputTokens();
        x.outputTokens = o.usage().outputTokens();
        x.cachedTokens = o.usage().cacheReadInputTokens();
        metrics.upstreamTokens(attempt.upstream(), x.inputTokens + x.cachedTokens, x.cachedTokens);
        policy.streamEnded(attempt, o);
        x.complete(failure);
    }

    private void cancelled(Exchange x, String phase) {
        metrics.clientCancellation(phase);
        x.status = 499;
        x.note = "client_cancelled:" + phase;
    }

    private void fail(Exchange x, AnthropicError e) throws IOException {
        if (e.errorCode() != null && e.errorCode().startsWith("thread_")) {
            metrics.threadError(e.errorCode());
        }
        x.status = e.status();
        x.stopReason = "error:" + e.type().wireName();
        if (x.thread != null) {
            x.thread.abandon(); // before the client can read the error and continue the same id again at once
        }
        if (x.response.isCommitted()) { // held in the fair queue with pings: the head is out, the error is an event
            x.errorMessage = e.message();
            Responses.write(x.response, true, java.nio.ByteBuffer.wrap(e.toSseFrame(x.requestId)));
            return;
        }
        Responses.error(x, e);
    }
}
