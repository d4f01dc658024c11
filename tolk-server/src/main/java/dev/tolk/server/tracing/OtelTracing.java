package dev.tolk.server.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;

/**
 * Tracing on: the OpenTelemetry SDK as its autoconfiguration builds it from the {@code OTEL_*} settings (exporter,
 * endpoint, protocol, sampler, propagators, resource), with Tolk's defaults underneath: service name {@code tolk},
 * traces only (no metrics or logs exporter: Tolk's metrics are on {@code /metrics}). Spans are exported in batches
 * off the request path. Nothing is made global: the gateway's spans are the only ones.
 */
final class OtelTracing implements Tracing {
    private static final TextMapGetter<HttpFields> HEADERS =
            (carrier, key) -> carrier == null ? null : carrier.get(key);

    private final OpenTelemetrySdk sdk;
    final Tracer tracer;
    final TextMapPropagator propagator;
    private final Clock clock = Clock.getDefault();

    private OtelTracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.tracer = sdk.getTracer("dev.tolk.server");
        this.propagator = sdk.getPropagators().getTextMapPropagator();
    }

    static OtelTracing start(Map<String, String> properties) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        String resource = properties.getOrDefault("otel.resource.attributes", "");
        if (System.getProperty("otel.service.name") == null && !resource.contains("service.name=")) {
            defaults.put("otel.service.name", "tolk");
        }
        // the exporter sends with the JDK's HTTP client, which speaks OTLP over HTTP only
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.putAll(properties);
        for (String key : new String[] {"otel.exporter.otlp.protocol", "otel.exporter.otlp.traces.protocol"}) {
            String protocol = System.getProperty(key, defaults.get(key));
            if (protocol != null && !protocol.isBlank() && !"http/protobuf".equals(protocol.trim())) {
                throw new IllegalArgumentException("OpenTelemetry configuration (OTEL_*): Tolk exports OTLP as "
                        + "http/protobuf only, not " + protocol + ": set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and "
                        + "the collector's OTLP/HTTP endpoint (port 4318)");
            }
        }
        try {
            return new OtelTracing(AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook() // the gateway's close exports what is left, after its streams ended
                    .build().getOpenTelemetrySdk());
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            throw new IllegalArgumentException("OpenTelemetry configuration (OTEL_*): " + m
                    + (m.contains("otel.traces.exporter") ? " (Tolk ships one: OTEL_TRACES_EXPORTER=otlp)" : ""), e);
        }
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public RequestSpan request(HttpFields clientHeaders, long startNanos, String requestId) {
        Context parent = propagator.extract(Context.root(), clientHeaders, HEADERS);
        // the span starts when the request did, before its body was read (the SDK clock's epoch time, taken back)
        long start = clock.now() - (System.nanoTime() - startNanos);
        Span span = tracer.spanBuilder("chat").setParent(parent).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(start, TimeUnit.NANOSECONDS)
                .setAttribute(GenAi.OPERATION, "chat")
                .setAttribute(GenAi.PROVIDER, "anthropic")
                .setAttribute(GenAi.SYSTEM, "anthropic")
                .setAttribute(GenAi.HTTP_METHOD, "POST")
                .setAttribute(GenAi.HTTP_ROUTE, "/v1/messages")
                .setAttribute(GenAi.REQUEST_ID, requestId)
                .startSpan();
        String session = clientHeaders.get(RequestSpan.SESSION_HEADER);
        if (session != null) {
            String s = RequestSpan.printable(session);
            span.setAttribute(GenAi.SESSION_ID, s);
            span.setAttribute(GenAi.CONVERSATION_ID, s);
        }
        return new RequestSpan(this, span, parent.with(span));
    }

    @Override
    public void close() {
        sdk.shutdown().join(5, TimeUnit.SECONDS); // a collector that is down does not hold the exit up for long
    }
}
