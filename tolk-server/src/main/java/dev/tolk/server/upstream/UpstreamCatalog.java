package dev.tolk.server.upstream;

import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.models.UpstreamModel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The upstream's served models and their context windows, from vLLM's {@code GET /v1/models}, cached for
 * {@value #TTL_SECONDS} s. Config overrides of {@code max_model_len} win. Fetched lazily so the gateway starts
 * without waiting for the upstream.
 */
public final class UpstreamCatalog {
    static final long TTL_SECONDS = 60;

    private final UpstreamClient client;
    private final Map<String, Integer> overrides;
    private volatile List<UpstreamModel> models;
    private volatile long fetchedAt;
    private final AtomicReference<CompletableFuture<List<UpstreamModel>>> inflight = new AtomicReference<>();

    public UpstreamCatalog(UpstreamClient client, Map<String, Integer> overrides) {
        this.client = client;
        this.overrides = overrides;
    }

    /**
     * The served models; throws IOException when the upstream cannot be asked and nothing is cached. A stale list is
     * returned at once while one background fetch renews it: once the first answer is known no request waits on
     * {@code /v1/models} (under load the upstream may take seconds to answer it).
     */
    public List<UpstreamModel> models() throws IOException, InterruptedException {
        List<UpstreamModel> m = models;
        if (isFresh(m)) {
            return m;
        }
        if (m != null) {
            if (inflight.get() == null) {
                Thread.ofVirtual().name("tolk-models-refresh").start(this::fetch);
            }
            return m;
        }
        // Nothing cached yet: one fetch for all the requests that arrive meanwhile, and they all wait on the same
        // future: N concurrent requests once made N serial GET /v1/models calls (2,000 new streams stalled for >20 s),
        // and a lock instead of a future still woke its waiters one after the other (1,000 new streams: 5 s).
        try {
            return fetch().get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(c.getMessage(), c);
        }
    }

    private CompletableFuture<List<UpstreamModel>> fetch() {
        while (true) {
            CompletableFuture<List<UpstreamModel>> f = inflight.get();
            if (f != null) {
                return f;
            }
            CompletableFuture<List<UpstreamModel>> mine = new CompletableFuture<>();
            if (inflight.compareAndSet(null, mine)) {
                try {
                    List<UpstreamModel> m = models;
                    mine.complete(isFresh(m) ? m : refresh());
                } catch (Throwable t) {
                    mine.completeExceptionally(t);
                } finally {
                    inflight.set(null);
                }
                return mine;
            }
        }
    }

    private boolean isFresh(List<UpstreamModel> m) {
        return m != null && System.nanoTime() - fetchedAt < TTL_SECONDS * 1_000_000_000L;
    }

    /** The served model names, fetched when stale; the cached ones (or none) when the upstream cannot be asked. */
    public List<String> servedNames() {
        List<UpstreamModel> m;
        try {
            m = models();
        } catch (IOException e) {
            m = cached();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            m = cached();
        }
        return m.stream().map(UpstreamModel::id).toList();
    }

    /** Cached models without any I/O (empty when never fetched). */
    public List<UpstreamModel> cached() {
        List<UpstreamModel> m = models;
        return m == null ? List.of() : m;
    }

    public synchronized List<UpstreamModel> refresh() throws IOException, InterruptedException {
        ContentResponse r = client.call(HttpMethod.GET, "/v1/models", null, Duration.ofSeconds(10));
        if (r.getStatus() != 200) {
            throw new IOException("upstream /v1/models answered HTTP " + r.getStatus());
        }
        List<UpstreamModel> parsed = ModelsMapping.parseVllmModels(r.getContent());
        models = parsed;
        fetchedAt = System.nanoTime();
        return parsed;
    }

    /** The context window of {@code upstreamModel}: config override, else what the upstream reports. */
    public OptionalInt maxModelLen(String upstreamModel) {
        Integer o = overrides.get(upstreamModel);
        if (o != null) {
            return OptionalInt.of(o);
        }
        for (UpstreamModel m : cached()) {
            if (m.id().equals(upstreamModel)) {
                return m.maxModelLen();
            }
        }
        return OptionalInt.empty();
    }
}
