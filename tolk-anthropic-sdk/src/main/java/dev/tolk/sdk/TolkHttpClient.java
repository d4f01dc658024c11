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
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.models.ModelRouter;
import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.models.TokenizeMapping;
import dev.tolk.core.translate.models.UpstreamModel;
import dev.tolk.core.translate.request.ContextClamp;
import dev.tolk.core.translate.request.ToolChoiceFallback;
import dev.tolk.core.translate.request.PromptSizeEstimator;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.request.TranslatedTokenize;
import dev.tolk.core.translate.response.ResponseTranslator;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Anthropic Java SDK's transport ({@link HttpClient}) served in-process: each SDK request is translated with
 * tolk-core and sent to an OpenAI-compatible upstream (vLLM); the answer comes back as the Anthropic API would have
 * sent it, so the SDK's parsing, streaming, retries and exception types work unchanged. The same rules as the Tolk
 * gateway apply (one shared core): model routing, context-window clamping, reasoning style, text tool-call recovery.
 *
 * <p>Served: {@code POST /v1/messages} (JSON and SSE), {@code POST /v1/messages/count_tokens} (upstream
 * {@code /tokenize}), {@code GET /v1/models}, {@code GET /v1/models/{id}}. Anything else (batches, files, skills,
 * beta-only endpoints) is answered with 404 {@code not_found_error} "Tolk's in-process adapter does not support
 * METHOD PATH", which the SDK raises as {@code NotFoundException} with that message.
 *
 * <p>Upstream calls use {@code java.net.http} (in the JDK, nothing more to ship next to the SDK). Closing a streaming
 * response closes the upstream body, which aborts the upstream request.
 */
public final class TolkHttpClient implements HttpClient {
    private final java.net.http.HttpClient http;
    private final URI upstream;
    private final String apiKey;
    private final Duration timeout;
    private final RequestTranslator translator;
    private final ContextClamp clamp = new ContextClamp(new PromptSizeEstimator());
    private final ToolChoiceFallback toolFallback;
    private final Map<String, Integer> maxModelLen;
    private final List<ModelRoute> routes;
    private final ExecutorService async = Executors.newVirtualThreadPerTaskExecutor();
    private volatile List<UpstreamModel> models;
    private volatile long modelsAt;

    TolkHttpClient(URI upstream, String apiKey, String defaultModel, List<ModelRoute> routes,
                   Map<String, Integer> maxModelLen, TranslationOptions options, Duration timeout) {
        this.upstream = upstream;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.routes = List.copyOf(routes);
        this.maxModelLen = Map.copyOf(maxModelLen);
        this.http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(async).followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        this.translator = new RequestTranslator(options, new ModelRouter(this::servedNames, routes, defaultModel));
        this.toolFallback = new ToolChoiceFallback(options.recoverTextToolCalls());
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

    private HttpResponse messages(byte[] body, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        TranslatedRequest tr = translator.translate(body);
        String model = tr.facts().upstreamModel();
        ensureModels();
        OptionalInt window = window(model);
        tr = toolFallback.beforeSend(clamp.beforeSend(tr, window));
        boolean retried = false;
        while (true) {
            java.net.http.HttpResponse<InputStream> r = http.send(post("/v1/chat/completions", tr.upstreamBody(),
                    requestId), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                byte[] err;
                try (InputStream in = r.body()) {
                    err = in.readNBytes(1 << 20);
                }
                TranslatedRequest noParser = toolFallback.onUpstreamError(tr, r.statusCode(), err);
                if (noParser != null) {
                    tr = noParser;
                    continue;
                }
                ContextClamp.Decision d = clamp.onUpstreamError(tr, r.statusCode(), err,
                        r.headers().firstValue("retry-after").orElse(null), window, retried);
                if (d instanceof ContextClamp.Decision.Retry retry) {
                    retried = true;
                    tr = retry.request();
                    continue;
                }
                return InProcessResponse.error(((ContextClamp.Decision.Fail) d).error(), requestId);
            }
            String messageId = AnthropicIds.messageId();
            if (tr.facts().stream()) {
                long estimate = clamp.estimator().estimate(model, tr.upstreamBody().length);
                UpstreamStream us = new UpstreamStream(tr.facts(), messageId, requestId, estimate);
                return new InProcessResponse(200, com.anthropic.core.http.Headers.builder()
                        .put("content-type", "text/event-stream; charset=utf-8").put("request-id", requestId).build(),
                        new TranslatingStream(r.body(), us));
            }
            byte[] completion;
            try (InputStream in = r.body()) {
                completion = in.readAllBytes();
            }
            var translated = ResponseTranslator.translate(completion, tr.facts(), messageId);
            clamp.observe(tr, translated.inputTokens() + translated.cacheReadTokens());
            return InProcessResponse.json(200, translated.body(), requestId);
        }
    }

    private HttpResponse countTokens(byte[] body, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        TranslatedTokenize t = translator.translateCountTokens(body);
        java.net.http.HttpResponse<byte[]> r = http.send(post("/tokenize", t.body(), requestId),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 404 || r.statusCode() == 405) {
            InProcessResponse estimate = InProcessResponse.json(200,
                    TokenizeMapping.countTokensResponse(Math.max(1, t.body().length / 4)), requestId);
            return new InProcessResponse(200, estimate.headers().toBuilder().put("tolk-token-count", "estimate").build(),
                    estimate.body());
        }
        if (r.statusCode() != 200) {
            return InProcessResponse.error(ErrorMapping.fromUpstream(r.statusCode(), r.body(), null), requestId);
        }
        return InProcessResponse.json(200, TokenizeMapping.countTokensResponse(TokenizeMapping.parseCount(r.body())),
                requestId);
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
        return InProcessResponse.json(200, ModelsMapping.toAnthropicList(modelInfos(), n, first(q, "after_id"),
                first(q, "before_id")), requestId);
    }

    private HttpResponse getModel(String id, String requestId) throws AnthropicException, IOException,
            InterruptedException {
        return InProcessResponse.json(200, ModelsMapping.toAnthropicModel(ModelsMapping.find(modelInfos(), id)),
                requestId);
    }

    // ---- upstream models

    private List<ModelInfo> modelInfos() throws IOException, InterruptedException {
        List<ModelInfo> out = new ArrayList<>();
        for (UpstreamModel m : fetchModels()) {
            OptionalInt w = window(m.id());
            Integer len = w.isPresent() ? w.getAsInt() : null;
            out.add(new ModelInfo(m.id(), m.id() + " (via Tolk)", Instant.ofEpochSecond(m.created()), len, len));
        }
        return out;
    }

    private synchronized List<UpstreamModel> fetchModels() throws IOException, InterruptedException {
        if (models != null && System.nanoTime() - modelsAt < Duration.ofSeconds(60).toNanos()) {
            return models;
        }
        java.net.http.HttpResponse<byte[]> r = http.send(get("/v1/models"),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("upstream /v1/models answered HTTP " + r.statusCode());
        }
        models = ModelsMapping.parseVllmModels(r.body());
        modelsAt = System.nanoTime();
        return models;
    }

    private void ensureModels() {
        try {
            fetchModels();
        } catch (IOException e) {
            // the request itself reports an unreachable upstream
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<String> servedNames() {
        List<UpstreamModel> m = models;
        if (m == null) {
            ensureModels();
            m = models;
        }
        return m == null ? List.of() : m.stream().map(UpstreamModel::id).toList();
    }

    private OptionalInt window(String model) {
        Integer o = maxModelLen.get(model);
        if (o != null) {
            return OptionalInt.of(o);
        }
        List<UpstreamModel> m = models;
        if (m != null) {
            for (UpstreamModel u : m) {
                if (u.id().equals(model)) {
                    return u.maxModelLen();
                }
            }
        }
        return OptionalInt.empty();
    }

    // ---- helpers

    private java.net.http.HttpRequest post(String path, byte[] body, String requestId) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(upstream.resolve(path))
                .timeout(timeout).header("content-type", "application/json").header("X-Request-Id", requestId)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null && !apiKey.isEmpty()) {
            b.header("authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    private java.net.http.HttpRequest get(String path) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(upstream.resolve(path))
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
