package dev.tolk.server.metrics;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.server.upstream.Upstreams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's Prometheus metrics ({@code GET /metrics}): requests by route/status/model, time to first token and
 * duration histograms, token counts, active streams, upstream errors and client cancellations; per upstream
 * ({@code upstream} label, its configured name): up, requests in flight, requests by status (0 = no answer),
 * failovers away from it, prompt tokens and their cached part (the cached share is their ratio).
 *
 * <p>The meters of a request are looked up once per distinct tag combination and kept: building and registering
 * them on every request (tags sorted, meter ids hashed and compared) cost about as much as writing its log line.
 */
public final class GatewayMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger activeStreams = new AtomicInteger();

    private record RequestKey(String route, int status, String model) {}

    private record RequestMeters(Counter count, Timer duration) {}

    private record TokenMeters(DistributionSummary input, DistributionSummary output, DistributionSummary cached) {}

    private final ConcurrentHashMap<RequestKey, RequestMeters> requestMeters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> ttftMeters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TokenMeters> tokenMeters = new ConcurrentHashMap<>();

    /** Per upstream, by fleet index: its meters, built once. */
    private record UpstreamMeters(String name, AtomicReferenceArray<Counter> byStatus, Counter retries,
                                  Counter promptTokens, Counter cachedTokens) {}

    private volatile UpstreamMeters[] upstreamMeters = new UpstreamMeters[0];

    public GatewayMetrics() {
        registry.gauge("tolk_active_streams", activeStreams);
    }

    /**
     * The usage ledger's rows: {@code tolk_ledger_written_total}, {@code tolk_ledger_dropped_total} (the buffer was
     * full, the database refused a batch, or shutdown ran out of time) and {@code tolk_ledger_pending} (buffered).
     */
    public void ledger(dev.tolk.store.usage.UsageLedger ledger) {
        io.micrometer.core.instrument.FunctionCounter.builder("tolk_ledger_written", ledger,
                        dev.tolk.store.usage.UsageLedger::written)
                .description("usage ledger rows written to the store").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("tolk_ledger_dropped", ledger,
                        dev.tolk.store.usage.UsageLedger::dropped)
                .description("usage ledger rows lost: buffer full, refused by the store, or unwritten at shutdown")
                .register(registry);
        Gauge.builder("tolk_ledger_pending", ledger, dev.tolk.store.usage.UsageLedger::pending)
                .description("usage ledger rows buffered, not yet written").register(registry);
    }

    /** Registers the per-upstream series of {@code upstreams}. */
    public void upstreams(Upstreams upstreams) {
        Fleet fleet = upstreams.fleet();
        UpstreamMeters[] m = new UpstreamMeters[upstreams.size()];
        for (int i = 0; i < m.length; i++) {
            String name = upstreams.name(i);
            Fleet.Member member = fleet.member(i);
            Gauge.builder("tolk_upstream_up", member, x -> x.health().up() ? 1 : 0).tag("upstream", name)
                    .register(registry);
            Gauge.builder("tolk_upstream_in_flight", member, x -> x.load().inFlight()).tag("upstream", name)
                    .register(registry);
            m[i] = new UpstreamMeters(name, new AtomicReferenceArray<>(600),
                    Counter.builder("tolk_upstream_retries").description("requests moved away from this upstream")
                            .tag("upstream", name).register(registry),
                    Counter.builder("tolk_upstream_prompt_tokens").tag("upstream", name).register(registry),
                    Counter.builder("tolk_upstream_cached_prompt_tokens").tag("upstream", name).register(registry));
        }
        upstreamMeters = m;
    }

    /** An exchange with upstream {@code i} ended with {@code status} (0: no response). */
    public void upstreamResponse(int i, int status) {
        UpstreamMeters[] all = upstreamMeters;
        if (i >= all.length) {
            return;
        }
        UpstreamMeters m = all[i];
        int slot = status >= 0 && status < 600 ? status : 0;
        Counter c = m.byStatus().get(slot);
        if (c == null) { // registering is idempotent: two threads racing here get the same counter
            c = Counter.builder("tolk_upstream_requests").tag("upstream", m.name())
                    .tag("status", Integer.toString(slot)).register(registry);
            m.byStatus().set(slot, c);
        }
        c.increment();
    }

    /** A request left upstream {@code i} for the next one. */
    public void failover(int i) {
        UpstreamMeters[] all = upstreamMeters;
        if (i < all.length) {
            all[i].retries().increment();
        }
    }

    /** Usage reported by upstream {@code i}: prompt tokens in all (cached included) and the cached part. */
    public void upstreamTokens(int i, long prompt, long cached) {
        UpstreamMeters[] all = upstreamMeters;
        if (i < all.length) {
            all[i].promptTokens().increment(prompt);
            all[i].cachedTokens().increment(cached);
        }
    }

    public void request(String route, int status, String model, Duration duration) {
        RequestMeters m = requestMeters.computeIfAbsent(new RequestKey(route, status, model == null ? "" : model),
                k -> new RequestMeters(
                        Counter.builder("tolk_requests").tag("route", k.route()).tag("status", Integer.toString(k.status()))
                                .tag("model", k.model()).register(registry),
                        Timer.builder("tolk_request_duration").tag("route", k.route()).publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                                .register(registry)));
        m.count().increment();
        m.duration().record(duration);
    }

    public void timeToFirstToken(String model, Duration ttft) {
        ttftMeters.computeIfAbsent(model == null ? "" : model, k -> Timer.builder("tolk_time_to_first_token")
                .tag("model", k).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry)).record(ttft);
    }

    public void tokens(String model, long input, long output, long cached) {
        TokenMeters m = tokenMeters.computeIfAbsent(model, k -> new TokenMeters(tokens("input", k),
                tokens("output", k), tokens("cached", k)));
        m.input().record(input);
        m.output().record(output);
        m.cached().record(cached);
    }

    private DistributionSummary tokens(String kind, String model) {
        return DistributionSummary.builder("tolk_tokens").baseUnit("tokens").tag("kind", kind).tag("model", model)
                .register(registry);
    }

    public void upstreamError(String kind) {
        Counter.builder("tolk_upstream_errors").tag("kind", kind).register(registry).increment();
    }

    /** A request refused by its key's limits: {@code tolk_key_refusals_total{reason}} (model, budget, concurrent, …). */
    public void keyRefused(String reason) {
        Counter.builder("tolk_key_refusals").tag("reason", reason).register(registry).increment();
    }

    /** {@code tolk_queued_requests}: requests held in the fair queue of a saturated fleet now. */
    public void fairQueue(java.util.function.IntSupplier held) {
        io.micrometer.core.instrument.Gauge.builder("tolk_queued_requests", held, h -> h.getAsInt())
                .strongReference(true).register(registry); // the supplier is referenced from nowhere else
    }

    /** A request gave up in the fair queue (529 after {@code queue-wait-seconds}): {@code tolk_queue_timeouts_total}. */
    public void queueTimeout() {
        Counter.builder("tolk_queue_timeouts").register(registry).increment();
    }

    public void clientCancellation(String phase) {
        Counter.builder("tolk_client_cancellations").tag("phase", phase).register(registry).increment();
    }

    /** Gauges of the message threads held: {@code tolk_threads} and {@code tolk_thread_bytes}. */
    public void threads(dev.tolk.core.threads.ThreadStore store) {
        io.micrometer.core.instrument.Gauge.builder("tolk_threads", store, s -> s.threads()).register(registry);
        io.micrometer.core.instrument.Gauge.builder("tolk_thread_bytes", store, s -> s.bytes()).baseUnit("bytes")
                .register(registry);
    }

    /** The store: whether it is open, its valid keys, and how often the shared key counters could not reach it. */
    public void store(dev.tolk.server.store.GatewayStore store) {
        io.micrometer.core.instrument.Gauge.builder("tolk_store_up", store, s -> s.isOpen() ? 1 : 0)
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("tolk_store_keys", store, s -> s.keys().size())
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("tolk_key_counter_store_failures", store,
                s -> s.counterFailures()).register(registry);
    }

    /** A request refused with a thread error ({@code thread_not_found}, …): {@code tolk_thread_errors_total{code}}. */
    public void threadError(String code) {
        Counter.builder("tolk_thread_errors").tag("code", code).register(registry).increment();
    }

    public void streamStarted() {
        activeStreams.incrementAndGet();
    }

    public void streamEnded() {
        activeStreams.decrementAndGet();
    }

    /** {@code tolk_ignored_fields_total{field}}: a request carried a top-level field Tolk does not know. */
    public Counter ignoredField(String field) {
        return Counter.builder("tolk_ignored_fields").tag("field", field).register(registry);
    }

    /** {@code tolk_ignored_betas_total{beta}}: a request named an {@code anthropic-beta} Tolk does not know. */
    public Counter ignoredBeta(String beta) {
        return Counter.builder("tolk_ignored_betas").tag("beta", beta).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
