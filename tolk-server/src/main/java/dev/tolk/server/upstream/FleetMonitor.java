package dev.tolk.server.upstream;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.core.dispatch.PrometheusText;
import dev.tolk.core.dispatch.UpstreamLoad;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the upstreams off the request path, on one scheduler thread that only starts requests (their answers are
 * handled on the client's threads):
 *
 * <ul>
 *   <li>every probe interval, each ejected upstream whose back-off is over is probed: {@code GET /health}
 *       (vLLM's), else {@code GET /v1/models}. A 200 brings it back (and fetches its model list if it never answered
 *       one); anything else ejects it for a longer back-off. An upstream that is up is not probed: the requests
 *       it serves, its model list and (in a fleet) its {@code /metrics} scrape show when it fails.</li>
 *   <li>with several upstreams, every second each up upstream's {@code /metrics} is scraped for vLLM's load
 *       ({@link PrometheusText#vllmLoad}); an upstream that does not serve it is asked again after a minute.</li>
 * </ul>
 */
public final class FleetMonitor implements AutoCloseable {
    static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final long NO_METRICS_RETRY_NANOS = 60_000_000_000L;

    private final Upstreams upstreams;
    private final Fleet fleet;
    private final ScheduledExecutorService timer;
    private final boolean[] probing;
    private final boolean[] healthRoute; // false once /health answered 404: /v1/models is the probe
    private final long[] noMetricsUntil;

    public FleetMonitor(Upstreams upstreams, Duration probeInterval) {
        this.upstreams = upstreams;
        this.fleet = upstreams.fleet();
        int n = upstreams.size();
        this.probing = new boolean[n];
        this.healthRoute = new boolean[n];
        java.util.Arrays.fill(healthRoute, true);
        this.noMetricsUntil = new long[n];
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tolk-fleet-monitor");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::probeAll, probeInterval.toMillis(), probeInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        if (n > 1) {
            timer.scheduleWithFixedDelay(this::scrapeAll, 0, SCRAPE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void probeAll() {
        long now = fleet.now();
        for (int i = 0; i < upstreams.size(); i++) {
            var health = fleet.member(i).health();
            if (probing[i] || health.up() || !health.probeDue(now)) {
                continue;
            }
            probing[i] = true;
            probe(i, healthRoute[i] ? "/health" : "/v1/models");
        }
    }

    private void probe(int i, String path) {
        upstreams.client(i).fetch(path, PROBE_TIMEOUT).whenComplete((r, failure) -> {
            if (failure == null && r.status() == 404 && path.equals("/health")) {
                timer.execute(() -> healthRoute[i] = false); // the arrays are the timer thread's alone
                probe(i, "/v1/models");
                return;
            }
            if (failure == null && r.status() == 200) {
                fleet.member(i).health().probeSucceeded();
                ModelCatalog c = upstreams.catalog().catalog(i);
                c.startLoading();
            } else {
                fleet.failed(i);
            }
            timer.execute(() -> probing[i] = false);
        });
    }

    private void scrapeAll() {
        long now = fleet.now();
        for (int i = 0; i < upstreams.size(); i++) {
            if (!fleet.member(i).health().up() || now - noMetricsUntil[i] < 0) {
                continue;
            }
            int u = i;
            CompletableFuture<ModelCatalog.Fetched> f = upstreams.client(i).fetch("/metrics", PROBE_TIMEOUT);
            f.whenComplete((r, failure) -> {
                UpstreamLoad.Scraped s = failure == null && r.status() == 200
                        ? PrometheusText.vllmLoad(new String(r.body(), StandardCharsets.UTF_8), fleet.now()) : null;
                if (s != null) {
                    fleet.member(u).load().scraped(s);
                } else if (failure != null) {
                    fleet.failed(u); // unreachable: ejected until a probe succeeds
                } else { // it answers, but not vLLM's metrics: ask again later
                    timer.execute(() -> noMetricsUntil[u] = fleet.now() + NO_METRICS_RETRY_NANOS);
                }
            });
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
