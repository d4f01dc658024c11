package dev.tolk.server.upstream;

import dev.tolk.core.dispatch.ModelCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * HTTP client for the OpenAI-compatible upstream (Jetty HttpClient on virtual threads, pooled keep-alive
 * connections, TLS certificates verified). The upstream's base URL and key come only from the operator's
 * configuration; nothing a client sends can change where a request goes or what credential it carries.
 */
public final class UpstreamClient implements AutoCloseable {
    /** Reads of the upstream body: a burst of chunks is read, translated and written at once (Jetty's default: 16 KiB). */
    static final int RESPONSE_BUFFER_BYTES = 64 * 1024;
    private final HttpClient http;
    private final URI base;
    private final String apiKey;
    private final Duration upstreamTimeout;
    private final URI chatCompletions;

    public UpstreamClient(URI base, String apiKey, Duration connectTimeout, Duration upstreamTimeout) {
        this.base = base;
        this.apiKey = apiKey;
        this.upstreamTimeout = upstreamTimeout;
        this.chatCompletions = base.resolve("/v1/chat/completions");
        QueuedThreadPool pool = new QueuedThreadPool(32, 2);
        pool.setName("tolk-upstream");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        ClientConnector connector;
        if ("https".equalsIgnoreCase(base.getScheme())) {
            connector = new ClientConnector();
            connector.setSslContextFactory(new SslContextFactory.Client(false)); // verify certificates and host names
        } else {
            connector = new PlainClientConnector();
        }
        connector.setSelectors(Math.max(2, Runtime.getRuntime().availableProcessors())); // relays run on these threads
        var transport = new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector);
        // Upstream bytes are handled on the selector thread that reads them: nothing Tolk does with a response
        // blocks (listeners complete futures; the stream relay translates and starts a non-blocking write), and
        // handing each read to a virtual thread cost a thread wake-up per read (one-at-a-time CPU 1.8 -> see
        // docs/benchmarks.md). Code that waits for a response does so on its own virtual thread.
        transport.setInvocationType(org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING);
        http = new HttpClient(transport);
        http.setExecutor(pool);
        http.setConnectTimeout(connectTimeout.toMillis());
        http.setIdleTimeout(300_000);
        http.setMaxConnectionsPerDestination(100_000);
        http.setMaxRequestsQueuedPerDestination(100_000);
        http.setFollowRedirects(false);
        http.setUseInputDirectByteBuffers(false); // tolk-core decodes from heap arrays without a copy
        // a burst of chunks is read (and its translation written) at once; a buffer is held only while it has unread
        // bytes, so a stream waiting for its next token holds none
        http.setResponseBufferSize(RESPONSE_BUFFER_BYTES);
        http.setUserAgentField(null);
        // an upstream's Set-Cookie must not ride along on later requests, which come from other clients
        http.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the upstream HTTP client", e);
        }
        // vLLM's 401 has no WWW-Authenticate header; Jetty's authentication handler would turn it into a protocol
        // error instead of a response. Tolk handles statuses itself (no auth challenges, redirects or 100-continue).
        http.getProtocolHandlers().clear();
    }

    /** For a plain-HTTP upstream: no TLS context is created (initializing one costs ≈ 100 ms of start-up). */
    private static final class PlainClientConnector extends ClientConnector {
        @Override
        protected SslContextFactory.Client newSslContextFactory() {
            return null;
        }
    }

    public URI base() {
        return base;
    }

    /**
     * A started upstream exchange. The status line and headers arrive through {@link #awaitHead()}; the body is a
     * demand-driven {@link Content.Source} ({@link #body()}): read it chunk by chunk with {@code read}/{@code demand}
     * (no thread waits on it), or as a blocking stream with {@link #readBody(int)}.
     */
    public final class Exchange implements Response.Listener {
        private final Request request;
        private final CompletableFuture<Response> head = new CompletableFuture<>();
        private final java.util.function.IntConsumer done;
        private volatile Content.Source source;

        private Exchange(Request request, java.util.function.IntConsumer done) {
            this.request = request;
            this.done = done;
        }

        @Override
        public void onContentSource(Response response, Content.Source contentSource) {
            source = contentSource;
            head.complete(response);
        }

        @Override
        public void onComplete(Result result) {
            if (result.isFailed()) {
                head.completeExceptionally(result.getFailure());
            }
            if (done != null) {
                Response r = result.getResponse();
                done.accept(r != null && r.getStatus() > 0 ? r.getStatus() : 0);
            }
        }

        /** Waits for the status line and headers; throws {@link IOException} when unreachable or timed out. */
        public Response awaitHead() throws IOException, InterruptedException {
            try {
                return head.get(upstreamTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                request.abort(e);
                throw new IOException("no response from the upstream within " + upstreamTimeout.toSeconds() + " s", e);
            } catch (ExecutionException e) {
                throw headFailure(e.getCause() == null ? e : e.getCause());
            }
        }

        /**
         * Calls {@code then} with the status line and headers, or with the failure as {@link #awaitHead()} reports it,
         * on the thread that receives them (a Jetty client thread: {@code then} must not block). Silence is bounded
         * by the request's idle timeout, the upstream timeout.
         */
        public void onHead(java.util.function.BiConsumer<Response, IOException> then) {
            head.whenComplete((response, failure) -> {
                if (failure == null) {
                    then.accept(response, null);
                } else {
                    Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    then.accept(null, headFailure(c));
                }
            });
        }

        private IOException headFailure(Throwable cause) {
            return new IOException(describe(cause), cause);
        }

        /** The response body, once {@link #awaitHead()} has returned. */
        public Content.Source body() {
            return source;
        }

        /** Reads up to {@code max} bytes of the body, blocking (a virtual thread waits). */
        public byte[] readBody(int max) throws IOException {
            try (InputStream in = Content.Source.asInputStream(source)) {
                return in.readNBytes(max);
            }
        }

        /** Aborts the upstream request: the connection is closed, so vLLM stops generating. */
        public boolean abort(Throwable cause) {
            return request.abort(cause).isDone();
        }
    }

    /** Starts {@code POST path} with a JSON body. */
    public Exchange post(String path, byte[] body, String requestId) {
        return post(path, body, requestId, null);
    }

    /**
     * Starts {@code POST path} with a JSON body; {@code done} (may be null) gets the response status, or 0 when there
     * was none, once the whole exchange is over (body read or aborted), on a Jetty client thread.
     */
    public Exchange post(String path, byte[] body, String requestId, java.util.function.IntConsumer done) {
        return post(path, body, requestId, done, null);
    }

    /**
     * As {@link #post(String, byte[], String, java.util.function.IntConsumer)}, for an upstream that speaks Anthropic's
     * Messages API: its key also goes as {@code x-api-key}, and {@code anthropicHeaders} (the client's
     * {@code anthropic-version} and {@code anthropic-beta}, name then value; may be null) are sent along.
     */
    public Exchange post(String path, byte[] body, String requestId, java.util.function.IntConsumer done,
                         String[] anthropicHeaders) {
        return post(path, body, requestId, done, anthropicHeaders, null);
    }

    /**
     * As {@link #post(String, byte[], String, java.util.function.IntConsumer, String[])}, with trace-context headers
     * ({@code traceparent}, …; name then value, a null value left out; may be null).
     */
    public Exchange post(String path, byte[] body, String requestId, java.util.function.IntConsumer done,
                         String[] anthropicHeaders, String[] traceHeaders) {
        // the same bound on silence between chunks: a stalled upstream ends the stream with an error, never a hang
        Request r = http.newRequest(resolve(path)).method(HttpMethod.POST)
                .idleTimeout(upstreamTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .body(new BytesRequestContent("application/json", body))
                .headers(h -> {
                    h.put(HttpHeader.ACCEPT, "application/json, text/event-stream");
                    if (apiKey != null && !apiKey.isEmpty()) {
                        h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey);
                    }
                    if (requestId != null) {
                        h.put("X-Request-Id", requestId);
                    }
                    if (anthropicHeaders != null) {
                        if (apiKey != null && !apiKey.isEmpty()) {
                            h.put("x-api-key", apiKey);
                        }
                        for (int i = 0; i + 1 < anthropicHeaders.length; i += 2) {
                            if (anthropicHeaders[i + 1] != null) {
                                h.put(anthropicHeaders[i], anthropicHeaders[i + 1]);
                            }
                        }
                    }
                    if (traceHeaders != null) {
                        for (int i = 0; i + 1 < traceHeaders.length; i += 2) {
                            if (traceHeaders[i + 1] != null) {
                                h.put(traceHeaders[i], traceHeaders[i + 1]);
                            }
                        }
                    }
                });
        Exchange ex = new Exchange(r, done);
        r.send(ex);
        return ex;
    }

    private URI resolve(String path) {
        URI chat = chatCompletions;
        return chat.getPath().equals(path) ? chat : base.resolve(path); // the hot path's URI is parsed once
    }

    /**
     * {@code GET /v1/models} for the {@link ModelCatalog}, without a thread waiting for it (10 s timeout); the future
     * fails with an {@link IOException} that says what went wrong in words.
     */
    public CompletableFuture<ModelCatalog.Fetched> fetchModels() {
        return fetch("/v1/models", Duration.ofSeconds(10));
    }

    /** {@code GET path} answered in full without a thread waiting for it (probes, scrapes, the model list). */
    public CompletableFuture<ModelCatalog.Fetched> fetch(String path, Duration timeout) {
        Request r = http.newRequest(base.resolve(path)).method(HttpMethod.GET)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (apiKey != null && !apiKey.isEmpty()) {
            r.headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey));
        }
        CompletableFuture<ModelCatalog.Fetched> out = new CompletableFuture<>();
        new CompletableResponseListener(r).send().whenComplete((response, failure) -> {
            if (failure == null) {
                out.complete(new ModelCatalog.Fetched(response.getStatus(), response.getContent()));
            } else {
                Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                out.completeExceptionally(new IOException(describe(c), c));
            }
        });
        return out;
    }

    /** A small request answered in full (tokenize, health). */
    public ContentResponse call(HttpMethod method, String path, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        Request r = http.newRequest(base.resolve(path)).method(method).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (apiKey != null && !apiKey.isEmpty()) {
            r.headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey));
        }
        if (body != null) {
            r.body(new BytesRequestContent("application/json", body));
        }
        try {
            return r.send();
        } catch (TimeoutException e) {
            throw new IOException("upstream did not answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IOException(describe(c), c);
        }
    }

    /**
     * Says what went wrong with the upstream connection in words for the client: no Jetty object dumps (they name
     * internal classes and local ports), the cause when it is known.
     */
    public static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException) {
                return "connection refused by the upstream";
            }
            if (c instanceof TimeoutException) {
                return "the upstream sent nothing for too long (" + c.getMessage() + ")";
            }
            if (c instanceof java.io.EOFException || c instanceof org.eclipse.jetty.io.EofException) {
                return "the upstream closed the connection";
            }
            if (c instanceof javax.net.ssl.SSLException) {
                return "TLS handshake with the upstream failed: " + c.getMessage();
            }
        }
        String msg = t.getMessage();
        if (msg == null || msg.contains("@") && msg.contains("::")) { // a Jetty connection's toString
            return "the upstream connection failed (" + t.getClass().getSimpleName() + ")";
        }
        return t.getClass().getSimpleName() + ": " + (msg.length() > 300 ? msg.substring(0, 300) + "…" : msg);
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
