package dev.tolk.sdk;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.core.http.QueryParams;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicIds;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.dispatch.Attempt;
import dev.tolk.core.dispatch.CountTokensDecision;
import dev.tolk.core.dispatch.Decision;
import dev.tolk.core.dispatch.DispatchPolicy;
import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.FleetCatalog;
import dev.tolk.core.dispatch.MessagesIntake;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.core.dispatch.RetryBudget;
import dev.tolk.core.dispatch.RoutingHint;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.threads.ThreadStore;
import dev.tolk.core.threads.ThreadTurn;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.models.ModelRouter;
import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.request.TranslatedTokenize;
import dev.tolk.core.translate.response.ResponseTranslator;
import dev.tolk.core.translate.response.TranslatedResponse;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Anthropic Java SDK's transport ({@link HttpClient}) served in-process: each SDK request is translated with
 * tolk-core and sent to an OpenAI-compatible upstream (vLLM); the answer comes back as the Anthropic API would have
 * sent it, so the SDK's parsing, streaming, retries and exception types work unchanged. The same rules as the Tolk
 * gateway apply, from the same classes: model routing, the model catalog ({@link ModelCatalog}), what to send and
 * what to do after an upstream error ({@link DispatchPolicy}), {@code count_tokens} ({@link CountTokensDecision}),
 * reasoning style, text tool-call recovery. This class only sends and relays.
 *
 * <p>Served: {@code POST /v1/messages} (JSON and SSE), {@code POST /v1/messages/count_tokens} (upstream
 * {@code /tokenize}), {@code GET /v1/models}, {@code GET /v1/models/{id}}. Anything else (batches, files, skills,
 * beta-only endpoints) is answered with 404 {@code not_found_error} "Tolk's in-process adapter does not support
 * METHOD PATH", which the SDK raises as {@code NotFoundException} with that message.
 *
 * <p>Several upstreams share the gateway's routing and failover ({@link Fleet}): each request goes to the upstream
 * its policy chooses (the conversation key is {@code metadata.user_id}'s session, else the conversation's start; a
 * message thread's continue is keyed by its thread and goes first to the upstream that answered the turn before it) and
 * moves to the next one when the first refuses, times out or answers 429/502/503/504/529. Load is what this client
 * has in flight (no {@code /metrics} scrape); an ejected upstream is probed every two seconds once its back-off is
 * over.
 *
 * <p>Upstream calls use {@code java.net.http} (in the JDK, nothing more to ship next to the SDK). Closing a streaming
 * response closes the upstream body, which aborts the upstream request.
 */
public final class TolkHttpClient implements HttpClient {
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    private final java.net.http.HttpClient http;
    private final List<URI> upstreams;
    private final String apiKey;
    private final Duration timeout;
    private final Duration headTimeout;
    private final RequestTranslator translator;
    private final MessagesIntake intake;
    private final FleetCatalog catalog;
    private final Fleet fleet;
    private final DispatchPolicy policy;
    private final List<ModelRoute> routes;
    private final ExecutorService async = Executors.newVirtualThreadPerTaskExecutor();

    TolkHttpClient(List<URI> upstreams, String apiKey, String defaultModel, List<ModelRoute> routes,
                   Map<String, Integer> maxModelLen, TranslationOptions options, Duration timeout,
                   Duration headTimeout, RoutingPolicy routing, long threadMemoryBytes) {
        this.upstreams = List.copyOf(upstreams);
        this.apiKey = apiKey;
        this.timeout = timeout;
        // vLLM sends a stream's head at once; only a non-streaming answer's head waits for the whole generation
        this.headTimeout = headTimeout.compareTo(timeout) < 0 ? headTimeout : timeout;
        this.routes = List.copyOf(routes);
        this.http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(async).followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        List<ModelCatalog> catalogs = new java.util.ArrayList<>();
        List<java.util.Set<String>> allowed = new java.util.ArrayList<>();
        List<Fleet.Member> members = new java.util.ArrayList<>();
        for (int i = 0; i < this.upstreams.size(); i++) {
            int u = i;
            catalogs.add(new ModelCatalog(() -> fetchModels(u), maxModelLen, System::nanoTime));
            allowed.add(null);
            URI uri = this.upstreams.get(i);
            members.add(new Fleet.Member(uri.getHost() + ":" + uri.getPort(), 1));
        }
        this.catalog = new FleetCatalog(catalogs, allowed);
        this.fleet = new Fleet(members, catalog, routing, Fleet.DEFAULT_LOAD_BOUND, 1, RetryBudget.defaults(),
                System::nanoTime);
        this.policy = new DispatchPolicy(options.recoverTextToolCalls(), catalog, fleet);
        this.translator = new RequestTranslator(options, new ModelRouter(catalog::servedNames, routes, defaultModel));
        // threads are held by this client, whichever upstream serves a turn (docs/threads.md)
        this.intake = new MessagesIntake(translator,
                new ThreadStore(threadMemoryBytes, ThreadStore.DEFAULT_TTL, System::nanoTime));
        if (this.upstreams.size() > 1) {
            Thread.ofVirtual().name("tolk-sdk-probe").start(this::probeEjected);
        }
    }

    /** Brings ejected upstreams back: each one whose back-off is over is asked {@code GET /v1/models}. */
    private void probeEjected() {
        while (!async.isShutdown()) {
            try {
                Thread.sleep(PROBE_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < upstreams.size(); i++) {
                var health = fleet.member(i).health();
                if (health.up() || !health.probeDue(fleet.now())) {
                    continue;
                }
                try {
                    var r = http.send(get(i, "/v1/models"), java.net.http.HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        health.probeSucceeded();
                        catalog.catalog(i).startLoading();
                        continue;
                    }
                } catch (IOException e) {
                    // still down
                } catch (InterruptedException e) {
                    return;
                }
                fleet.failed(i);
            }
        }
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions requestOptions) {
        String requestId = AnthropicIds.requestId();
        String path = "/" + String.join("/", request.pathSegments());
        String method = request.method().name();
        try {
            return switch (method + " " + path) {
                case "POST /v1/messages" -> messages(body(request), requestId);
                case "POST /v1/messages/count_tokens" -> countTokens(body(request), requestId);
                case "GET /v1/models" -> listModels(request.queryParams(), requestId);
                default -> {
                    if ("GET".equals(method) && path.startsWith("/v1/models/")) {
                        yield getModel(path.substring("/v1/models/".length()), requestId);
                    }
                    yield InProcessResponse.error(AnthropicError.of(ErrorType.NOT_FOUND,
                            "Tolk's in-process adapter does not support " + method + " " + path
                                    + " (it serves messages, count_tokens and models)"), requestId);
                }
            };
        } catch (AnthropicException e) {
            return InProcessResponse.error(e.error(), requestId);
        } catch (IOException e) {
            return InProcessResponse.error(ErrorMapping.unreachable(e.getMessage()), requestId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return InProcessResponse.error(AnthropicError.api("interrupted"), requestId);
        }
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions requestOptions) {
        CompletableFuture<HttpResponse> f = new CompletableFuture<>();
        java.util.concurrent.Future<?> task = async.submit(() -> {
            try {
                HttpResponse r = execute(request, requestOptions);
                if (!f.complete(r)) {
                    r.close(); // cancelled meanwhile: abort the upstream request
                }
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        f.whenComplete((r, t) -> {
            if (f.isCancelled()) {
                task.cancel(true); // interrupts the upstream call still waiting for headers
            }
        });
        return f;
    }

    @Override
    public void close() {
        http.close();
        async.shutdownNow();
    }

    // ---- routes

    /** The message threads this client holds. */
    ThreadStore threads() {
        return intake.threads();
    }

    /**
     * A request with {@code thread} is a {@link ThreadTurn}: a continue is expanded into the whole conversation before
     * translation ({@link MessagesIntake}); the reply is stored before the SDK sees it (a stream's at
     * {@code message_stop}); every other way out abandons the turn, a stream's when it ends or is closed.
     */
    private HttpResponse messages(byte[] body, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        MessagesIntake.Intake in = intake.messages(body);
        ThreadTurn turn = in.thread();
        if (turn == null) {
            return messages(in.translated(), null, requestId);
        }
        HttpResponse r = null;
        try {
            r = messages(in.translated(), turn, requestId);
            return r;
        } finally {
            if (!(r instanceof InProcessResponse ir && ir.streaming())) {
                turn.abandon(); // nothing after a stored reply; otherwise the continued response is unlocked
            }
        }
    }

    private HttpResponse messages(TranslatedRequest translated, ThreadTurn turn, String requestId)
            throws AnthropicException, IOException, InterruptedException {
        catalog.awaitLoaded();
        Attempt attempt = policy.first(translated, RoutingHint.of(null, turn)); // a continue: where its thread was
        while (true) {
            Decision d;
            var load = fleet.member(attempt.upstream()).load();
            load.begin();
            Runnable end = once(load::end);
            try {
                java.net.http.HttpResponse<InputStream> r = http.send(post(attempt.upstream(), "/v1/chat/completions",
                        attempt.request().upstreamBody(), requestId,
                        attempt.request().facts().stream() ? headTimeout : timeout),
                        java.net.http.HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() == 200) {
                    InputStream body = r.body();
                    if (attempt.request().facts().stream()) {
                        body = firstBytes(body); // fails like no answer when the upstream dies before them
                    }
                    return answer(attempt, body, turn, requestId, end);
                }
                byte[] err;
                try (InputStream in = r.body()) {
                    err = in.readNBytes(DispatchPolicy.MAX_ERROR_BODY);
                } finally {
                    end.run();
                }
                d = policy.afterError(attempt, r.statusCode(), err, r.headers().firstValue("retry-after").orElse(null));
            } catch (IOException e) {
                end.run();
                d = policy.afterNoAnswer(attempt, e.getMessage());
            }
            switch (d) {
                case Decision.Retry retry -> attempt = retry.next();
                case Decision.Fail f -> {
                    return InProcessResponse.error(f.error(), requestId);
                }
            }
        }
    }

    /** The upstream's 200: a stream translated as the SDK reads it, or a whole answer translated at once. */
    private HttpResponse answer(Attempt attempt, InputStream upstreamBody,
                                ThreadTurn turn, String requestId, Runnable end) throws AnthropicException {
        String messageId = AnthropicIds.messageId();
        if (turn != null) {
            turn.answeredBy(policy.upstreamName(attempt)); // its next continue is pinned here
        }
        if (attempt.request().facts().stream()) {
            UpstreamStream us = new UpstreamStream(attempt.request().facts(), messageId, requestId,
                    policy.promptEstimate(attempt), turn == null ? null : turn.recorder());
            InputStream body = new java.io.FilterInputStream(upstreamBody) {
                @Override
                public void close() throws IOException {
                    end.run();
                    super.close();
                }
            };
            return new InProcessResponse(200, com.anthropic.core.http.Headers.builder()
                    .put("content-type", "text/event-stream; charset=utf-8").put("request-id", requestId).build(),
                    new TranslatingStream(body, us, outcome -> {
                        end.run();
                        policy.streamEnded(attempt, outcome);
                        if (turn != null) {
                            turn.abandon(); // after message_stop the reply is stored and this does nothing
                        }
                    }));
        }
        byte[] completion;
        try (InputStream in = upstreamBody) {
            completion = in.readAllBytes();
        } catch (IOException e) {
            return InProcessResponse.error(policy.afterBrokenBody(attempt, e.getMessage()).error(), requestId);
        } finally {
            end.run();
        }
        TranslatedResponse translated = ResponseTranslator.translate(completion, attempt.request().facts(), messageId);
        policy.answered(attempt, translated);
        if (turn != null) {
            turn.recordMessage(translated.body());
        }
        return InProcessResponse.json(200, translated.body(), requestId);
    }

    private HttpResponse countTokens(byte[] body, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        TranslatedTokenize t = intake.countTokens(body); // with thread: the whole conversation
        java.net.http.HttpResponse<byte[]> r = http.send(post(anyServing(t.upstreamModel()), "/tokenize", t.body(),
                requestId, timeout),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        return switch (CountTokensDecision.afterTokenize(t, r.statusCode(), r.body())) {
            case CountTokensDecision.Count c -> {
                InProcessResponse json = InProcessResponse.json(200, c.body(), requestId);
                yield new InProcessResponse(200, json.headers().toBuilder()
                        .put(CountTokensDecision.HEADER, c.headerValue()).build(), json.body());
            }
            case CountTokensDecision.Fail f -> InProcessResponse.error(f.error(), requestId);
        };
    }

    private HttpResponse listModels(QueryParams q, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        String limit = first(q, "limit");
        Integer n;
        try {
            n = limit == null ? null : Integer.valueOf(limit);
        } catch (NumberFormatException e) {
            throw AnthropicException.invalidRequest("limit: Input should be a valid integer");
        }
        return InProcessResponse.json(200, ModelsMapping.toAnthropicList(catalog.modelInfos(routes), n,
                first(q, "after_id"), first(q, "before_id")), requestId);
    }

    private HttpResponse getModel(String id, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        return InProcessResponse.json(200, ModelsMapping.toAnthropicModel(ModelsMapping.find(catalog.modelInfos(routes),
                id)), requestId);
    }

    /** {@code GET /v1/models} of upstream {@code u} for its {@link ModelCatalog}, without a thread waiting for it. */
    private CompletableFuture<ModelCatalog.Fetched> fetchModels(int u) {
        return http.sendAsync(get(u, "/v1/models"), java.net.http.HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new ModelCatalog.Fetched(r.statusCode(), r.body()))
                .whenComplete((r, failure) -> {
                    if (failure != null || r.status() != 200) {
                        fleet.failed(u); // ejected until a probe succeeds
                    }
                });
    }

    // ---- helpers

    /**
     * Waits for the first bytes of a stream's body and returns the whole body again. vLLM sends a stream's head before
     * the prefill; an upstream that dies before its first byte has given the SDK nothing yet, so the request may still
     * move to the next upstream (the {@link IOException}, like no answer at all). In-process there is no connection
     * to keep alive with pings meanwhile.
     */
    private static InputStream firstBytes(InputStream body) throws IOException {
        byte[] first = new byte[8192];
        int n;
        try {
            n = body.read(first);
        } catch (IOException e) {
            body.close();
            throw e;
        }
        if (n < 0) {
            body.close();
            throw new IOException("the upstream closed the stream before its first byte");
        }
        return new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(first, 0, n), body) {
            @Override
            public void close() throws IOException {
                super.close();
                body.close(); // also when it was not reached yet: aborts the upstream request
            }
        };
    }

    /** The first upstream that is up and serves {@code upstreamModel} (count_tokens is not routed by conversation). */
    private int anyServing(String upstreamModel) {
        for (int i = 0; i < upstreams.size(); i++) {
            if (fleet.member(i).health().up() && catalog.serves(i, upstreamModel)) {
                return i;
            }
        }
        return 0;
    }

    private static Runnable once(Runnable r) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                r.run();
            }
        };
    }

    /** {@code headWait}: how long the upstream may take to send its response head (the JDK client's timeout). */
    private java.net.http.HttpRequest post(int u, String path, byte[] body, String requestId, Duration headWait) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(upstreams.get(u).resolve(path))
                .timeout(headWait).header("content-type", "application/json").header("X-Request-Id", requestId)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null && !apiKey.isEmpty()) {
            b.header("authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    private java.net.http.HttpRequest get(int u, String path) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(upstreams.get(u).resolve(path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (apiKey != null && !apiKey.isEmpty()) {
            b.header("authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    private static byte[] body(HttpRequest request) throws IOException {
        if (request.body().isEmpty()) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        request.body().get().writeTo(out);
        return out.toByteArray();
    }

    private static String first(QueryParams q, String key) {
        List<String> v = q.values(key);
        return v.isEmpty() ? null : v.get(0);
    }
}
