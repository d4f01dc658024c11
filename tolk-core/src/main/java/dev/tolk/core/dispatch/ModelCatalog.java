package dev.tolk.core.dispatch;

import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.models.UpstreamModel;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The upstream's served models and their context windows, from vLLM's {@code GET /v1/models}, kept for
 * {@link #TTL}. Configured {@code max_model_len} overrides win. The transport supplies the fetch ({@link Fetch}: it
 * starts the call and completes the future, no thread waits for it) and the clock; this class decides when to fetch,
 * lets all callers share one fetch, and answers the lookups from what it has.
 *
 * <p>Stale-while-revalidate: once a first list is known, no caller waits on {@code /v1/models} again (under load the
 * upstream may take seconds to answer it) — a stale list is returned at once and one fetch renews it. Until then,
 * every caller waits on the same fetch: N concurrent requests once made N serial {@code GET /v1/models} calls (2,000
 * new streams stalled for over 20 s), and a lock instead of a shared future still woke its waiters one after the
 * other (1,000 new streams: 5 s).
 */
public final class ModelCatalog implements ContextWindows {
    public static final Duration TTL = Duration.ofSeconds(60);

    /** Starts {@code GET /v1/models} on the upstream; the future fails with an {@link IOException} when unreachable. */
    @FunctionalInterface
    public interface Fetch {
        CompletableFuture<Fetched> start();
    }

    /** The upstream's answer to {@code GET /v1/models}. */
    public record Fetched(int status, byte[] body) {}

    /** One answer: the models, their names (asked on every request by the model router), and when it came. */
    private record Snapshot(List<UpstreamModel> models, List<String> names, long fetchedAtNanos) {}

    private final Fetch fetch;
    private final Map<String, Integer> overrides;
    private final LongSupplier nanoClock;
    private final long ttlNanos;
    private volatile Snapshot snapshot;
    private final AtomicReference<CompletableFuture<Snapshot>> inflight = new AtomicReference<>();

    /** {@code nanoClock} is {@code System::nanoTime} outside tests. */
    public ModelCatalog(Fetch fetch, Map<String, Integer> overrides, LongSupplier nanoClock) {
        this(fetch, overrides, nanoClock, TTL);
    }

    public ModelCatalog(Fetch fetch, Map<String, Integer> overrides, LongSupplier nanoClock, Duration ttl) {
        this.fetch = fetch;
        this.overrides = Map.copyOf(overrides);
        this.nanoClock = nanoClock;
        this.ttlNanos = ttl.toNanos();
    }

    /**
     * The served models. Waits only when no list is known yet, and then throws {@link IOException} when the upstream
     * cannot be asked; a stale list is returned at once while one fetch renews it.
     */
    public List<UpstreamModel> models() throws IOException, InterruptedException {
        Snapshot s = snapshot;
        if (s != null) {
            if (!isFresh(s)) {
                refresh();
            }
            return s.models();
        }
        try {
            return refresh().get().models();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
        }
    }

    /** Starts the first fetch if no list is known and none is under way, without waiting for it. */
    public void startLoading() {
        if (snapshot == null) {
            refresh();
        }
    }

    /** Whether no list is known yet and the first fetch is under way. */
    public boolean firstFetchUnderWay() {
        return snapshot == null && inflight.get() != null;
    }

    /** Whether a list is known (perhaps stale): then no lookup waits. */
    public boolean loaded() {
        return snapshot != null;
    }

    /** Waits for a first list if there is none yet; a failure is left for the request itself to report. */
    public void awaitLoaded() {
        if (snapshot == null) {
            try {
                models();
            } catch (IOException e) {
                // unreachable upstream: the request that needed the list reports it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The known models without waiting (empty when none known yet). */
    public List<UpstreamModel> cached() {
        Snapshot s = snapshot;
        return s == null ? List.of() : s.models();
    }

    /**
     * The served model names for the model router: waits for the first list, renews a stale one without waiting;
     * the names known so far (or none) when the upstream cannot be asked.
     */
    public List<String> servedNames() {
        Snapshot s = snapshot;
        if (s == null) {
            awaitLoaded();
            s = snapshot;
            return s == null ? List.of() : s.names();
        }
        if (!isFresh(s)) {
            refresh();
        }
        return s.names();
    }

    /** The context window of {@code upstreamModel}: the configured override, else what the upstream reports. */
    @Override
    public OptionalInt windowOf(String upstreamModel) {
        Integer o = overrides.get(upstreamModel);
        if (o != null) {
            return OptionalInt.of(o);
        }
        Snapshot s = snapshot;
        if (s != null) {
            for (UpstreamModel m : s.models()) {
                if (m.id().equals(upstreamModel)) {
                    return m.maxModelLen();
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Anthropic's model list: the served models, then the {@code aliases}' client names that are plain names (no
     * wildcard) and not served themselves, each with its target's window as {@code max_input_tokens}.
     */
    public List<ModelInfo> modelInfos(List<ModelRoute> aliases) throws IOException, InterruptedException {
        return modelInfos(models(), this, aliases);
    }

    /** {@link #modelInfos(List)} over {@code served} with {@code windows} (shared with {@link FleetCatalog}). */
    static List<ModelInfo> modelInfos(List<UpstreamModel> served, ContextWindows windows, List<ModelRoute> aliases) {
        List<ModelInfo> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (UpstreamModel m : served) {
            Integer window = boxed(windows.windowOf(m.id()));
            out.add(new ModelInfo(m.id(), m.id() + " (via Tolk)", Instant.ofEpochSecond(m.created()), window, window));
            seen.add(m.id());
        }
        for (ModelRoute r : aliases) {
            if (r.glob().contains("*") || r.glob().contains("?") || !seen.add(r.glob())) {
                continue;
            }
            Integer window = boxed(windows.windowOf(r.upstreamModel()));
            out.add(new ModelInfo(r.glob(), r.glob() + " → " + r.upstreamModel() + " (via Tolk)", Instant.EPOCH,
                    window, window));
        }
        return out;
    }

    private static Integer boxed(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : null;
    }

    private boolean isFresh(Snapshot s) {
        return nanoClock.getAsLong() - s.fetchedAtNanos() < ttlNanos;
    }

    /** Starts a fetch unless one is under way (then that one is returned); completes at once when the list is fresh. */
    private CompletableFuture<Snapshot> refresh() {
        while (true) {
            CompletableFuture<Snapshot> running = inflight.get();
            if (running != null) {
                return running;
            }
            CompletableFuture<Snapshot> mine = new CompletableFuture<>();
            if (!inflight.compareAndSet(null, mine)) {
                continue;
            }
            Snapshot s = snapshot;
            if (s != null && isFresh(s)) { // another fetch finished between the caller's look and this one
                inflight.set(null);
                mine.complete(s);
                return mine;
            }
            CompletableFuture<Fetched> answer;
            try {
                answer = fetch.start();
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((fetched, failure) -> {
                Snapshot fresh = null;
                Throwable problem = failure;
                if (problem == null) {
                    try {
                        fresh = parse(fetched);
                    } catch (IOException e) {
                        problem = e;
                    }
                }
                if (fresh != null) {
                    snapshot = fresh; // before the fetch is over, so no caller starts another for a list it can have
                }
                inflight.set(null);
                if (fresh != null) {
                    mine.complete(fresh);
                } else {
                    mine.completeExceptionally(unwrap(problem));
                }
            });
            return mine;
        }
    }

    private Snapshot parse(Fetched fetched) throws IOException {
        if (fetched.status() != 200) {
            throw new IOException("upstream /v1/models answered HTTP " + fetched.status());
        }
        List<UpstreamModel> models = List.copyOf(ModelsMapping.parseVllmModels(fetched.body()));
        return new Snapshot(models, models.stream().map(UpstreamModel::id).toList(), nanoClock.getAsLong());
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
