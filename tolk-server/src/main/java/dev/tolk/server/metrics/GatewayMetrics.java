package dev.tolk.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's Prometheus metrics ({@code GET /metrics}): requests by route/status/model, time to first token and
 * duration histograms, token counts, active streams, upstream errors and client cancellations.
 */
public final class GatewayMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger activeStreams = new AtomicInteger();

    public GatewayMetrics() {
        registry.gauge("tolk_active_streams", activeStreams);
    }

    public void request(String route, int status, String model, Duration duration) {
        Counter.builder("tolk_requests").tag("route", route).tag("status", Integer.toString(status))
                .tag("model", model == null ? "" : model).register(registry).increment();
        Timer.builder("tolk_request_duration").tag("route", route).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry).record(duration);
    }

    public void timeToFirstToken(String model, Duration ttft) {
        Timer.builder("tolk_time_to_first_token").tag("model", model == null ? "" : model)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry).record(ttft);
    }

    public void tokens(String model, long input, long output, long cached) {
        DistributionSummary.builder("tolk_tokens").baseUnit("tokens").tag("kind", "input").tag("model", model)
                .register(registry).record(input);
        DistributionSummary.builder("tolk_tokens").baseUnit("tokens").tag("kind", "output").tag("model", model)
                .register(registry).record(output);
        DistributionSummary.builder("tolk_tokens").baseUnit("tokens").tag("kind", "cached").tag("model", model)
                .register(registry).record(cached);
    }

    public void upstreamError(String kind) {
        Counter.builder("tolk_upstream_errors").tag("kind", kind).register(registry).increment();
    }

    public void clientCancellation(String phase) {
        Counter.builder("tolk_client_cancellations").tag("phase", phase).register(registry).increment();
    }

    public void streamStarted() {
        activeStreams.incrementAndGet();
    }

    public void streamEnded() {
        activeStreams.decrementAndGet();
    }

    public String scrape() {
        return registry.scrape();
    }
}
