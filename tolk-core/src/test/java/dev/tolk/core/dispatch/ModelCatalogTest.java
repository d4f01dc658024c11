package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.models.UpstreamModel;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The upstream's model list: one fetch for all waiters, a TTL on an injected clock, window lookups, failures. */
class ModelCatalogTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    /** Every fetch the catalog started, in order; the test completes them. */
    private final List<CompletableFuture<ModelCatalog.Fetched>> fetches = new CopyOnWriteArrayList<>();
    private final ModelCatalog catalog = new ModelCatalog(this::startFetch, Map.of("tuned", 8192), clock::get);

    private CompletableFuture<ModelCatalog.Fetched> startFetch() {
        CompletableFuture<ModelCatalog.Fetched> f = new CompletableFuture<>();
        fetches.add(f);
        return f;
    }

    private static ModelCatalog.Fetched models(String... cards) {
        return new ModelCatalog.Fetched(200, ("{\"object\":\"list\",\"data\":[" + String.join(",", cards) + "]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String card(String id, Integer maxModelLen) {
        return "{\"id\":\"" + id + "\",\"object\":\"model\",\"created\":1700000000"
                + (maxModelLen == null ? "" : ",\"max_model_len\":" + maxModelLen) + "}";
    }

    @Test
    void concurrentCallersShareOneFetch() throws Exception {
        List<Thread> callers = new ArrayList<>();
        List<List<UpstreamModel>> results = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                try {
                    results.add(catalog.models());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        while (fetches.isEmpty()) {
            Thread.onSpinWait();
        }
        Thread.sleep(50); // let the other callers arrive while the fetch is under way
        assertThat(fetches).hasSize(1);
        fetches.get(0).complete(models(card("qwen3", 32768)));
        for (Thread t : callers) {
            assertThat(t.join(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(results).hasSize(20).allSatisfy(m -> assertThat(m).extracting(UpstreamModel::id).containsExactly("qwen3"));
        assertThat(fetches).hasSize(1);
    }

    @Test
    void aFreshListIsServedWithoutFetchingAStaleOneAtOnceWhileOneFetchRenewsIt() throws Exception {
        assertThat(catalog.loaded()).isFalse();
        CompletableFuture<List<String>> names = CompletableFuture.supplyAsync(catalog::servedNames);
        awaitFetches(1).complete(models(card("a", null)));
        assertThat(names.get(5, TimeUnit.SECONDS)).containsExactly("a");
        assertThat(catalog.loaded()).isTrue();

        clock.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(catalog.models()).extracting(UpstreamModel::id).containsExactly("a");
        assertThat(catalog.servedNames()).containsExactly("a");
        assertThat(fetches).hasSize(1);

        clock.addAndGet(Duration.ofSeconds(2).toNanos()); // 61 s: stale
        assertThat(catalog.servedNames()).containsExactly("a"); // no wait
        assertThat(catalog.models()).extracting(UpstreamModel::id).containsExactly("a");
        assertThat(fetches).hasSize(2); // one renewal for both
        fetches.get(1).complete(models(card("b", null)));
        assertThat(catalog.servedNames()).containsExactly("b");
        assertThat(fetches).hasSize(2);
    }

    @Test
    void windowsComeFromTheOverrideThenTheUpstreamsCard() throws Exception {
        assertThat(catalog.windowOf("tuned")).hasValue(8192); // known before any fetch
        assertThat(catalog.windowOf("qwen3")).isEmpty();
        CompletableFuture<List<String>> names = CompletableFuture.supplyAsync(catalog::servedNames);
        awaitFetches(1).complete(models(card("qwen3", 32768), card("tuned", 131072), card("plain", null)));
        names.get(5, TimeUnit.SECONDS);
        assertThat(catalog.windowOf("qwen3")).hasValue(32768);
        assertThat(catalog.windowOf("tuned")).hasValue(8192);
        assertThat(catalog.windowOf("plain")).isEqualTo(OptionalInt.empty());
        assertThat(catalog.windowOf("unknown")).isEmpty();
    }

    @Test
    void aFailedFirstFetchIsReportedAndTheNextCallTriesAgain() throws Exception {
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> assertThatThrownBy(catalog::models)
                .isInstanceOf(IOException.class).hasMessage("upstream /v1/models answered HTTP 503"));
        awaitFetches(1).complete(new ModelCatalog.Fetched(503, new byte[0]));
        call.get(5, TimeUnit.SECONDS);

        CompletableFuture<Void> again = CompletableFuture.runAsync(() -> assertThatThrownBy(catalog::models)
                .isInstanceOf(ConnectException.class));
        awaitFetches(2).completeExceptionally(new ConnectException("refused"));
        again.get(5, TimeUnit.SECONDS);

        CompletableFuture<List<String>> names = CompletableFuture.supplyAsync(catalog::servedNames);
        awaitFetches(3).complete(new ModelCatalog.Fetched(200, "not json".getBytes(StandardCharsets.UTF_8)));
        assertThat(names.get(5, TimeUnit.SECONDS)).isEmpty(); // the router then goes by routes and names alone
        assertThat(catalog.loaded()).isFalse();
    }

    @Test
    void aFailedRenewalKeepsTheStaleList() throws Exception {
        CompletableFuture<List<UpstreamModel>> first = CompletableFuture.supplyAsync(this::modelsUnchecked);
        awaitFetches(1).complete(models(card("a", 4096)));
        first.get(5, TimeUnit.SECONDS);
        clock.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(catalog.servedNames()).containsExactly("a");
        fetches.get(1).completeExceptionally(new ConnectException("refused"));
        assertThat(catalog.servedNames()).containsExactly("a");
        assertThat(catalog.windowOf("a")).hasValue(4096);
        assertThat(fetches).hasSize(3); // still stale: each look starts a renewal, one at a time
    }

    @Test
    void modelInfosListTheServedModelsThenThePlainRouteAliases() throws Exception {
        CompletableFuture<List<ModelInfo>> infos = CompletableFuture.supplyAsync(() -> {
            try {
                return catalog.modelInfos(List.of(new ModelRoute("claude-*", "qwen3"), new ModelRoute("fast", "qwen3"),
                        new ModelRoute("qwen3", "other")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        awaitFetches(1).complete(models(card("qwen3", 32768)));
        assertThat(infos.get(5, TimeUnit.SECONDS)).containsExactly(
                new ModelInfo("qwen3", "qwen3 (via Tolk)", java.time.Instant.ofEpochSecond(1700000000), 32768, 32768),
                new ModelInfo("fast", "fast → qwen3 (via Tolk)", java.time.Instant.EPOCH, 32768, 32768));
    }

    private List<UpstreamModel> modelsUnchecked() {
        try {
            return catalog.models();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private CompletableFuture<ModelCatalog.Fetched> awaitFetches(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fetches.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(fetches).hasSize(n);
        return fetches.get(n - 1);
    }
}
