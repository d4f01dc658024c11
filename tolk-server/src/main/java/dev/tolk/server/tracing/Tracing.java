package dev.tolk.server.tracing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * OpenTelemetry traces of Messages requests (docs/tracing.md), or {@link #OFF}. Tracing is on only when the
 * standard {@code OTEL_*} configuration asks for it ({@link #wanted}); with it off no OpenTelemetry class is loaded
 * and a request makes no span, no context and no trace header of its own.
 */
public interface Tracing extends AutoCloseable {
    /** No tracing: {@link #request} answers null. */
    Tracing OFF = new Tracing() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public RequestSpan request(HttpFields clientHeaders, long startNanos, String requestId) {
            return null;
        }

        @Override
        public void close() {
        }
    };

    boolean enabled();

    /**
     * Starts the span of one Messages request that began at {@code startNanos} ({@link System#nanoTime()}), in the
     * trace of the client's {@code traceparent} when it sent one; null when tracing is off.
     */
    RequestSpan request(HttpFields clientHeaders, long startNanos, String requestId);

    /** Exports what is still buffered and stops the exporter. */
    @Override
    void close();

    /** Tracing as this process's environment and system properties configure it. */
    static Tracing fromEnvironment() {
        return configure(System.getenv());
    }

    /**
     * Tracing configured by {@code settings} (keys as environment variables, {@code OTEL_EXPORTER_OTLP_ENDPOINT}, or
     * as properties, {@code otel.exporter.otlp.endpoint}); the process's system properties and environment variables
     * take precedence, as OpenTelemetry's autoconfiguration gives them. Throws {@link IllegalArgumentException} when
     * the configuration turns tracing on but cannot be used (an exporter Tolk does not ship, a bad endpoint).
     */
    static Tracing configure(Map<String, String> settings) {
        Map<String, String> properties = properties(settings);
        if (!wanted(properties)) {
            return OFF;
        }
        return OtelTracing.start(properties);
    }

    /**
     * The switch: tracing is on when {@code OTEL_TRACES_EXPORTER} names an exporter other than {@code none}, or, with
     * it unset, when {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set; never
     * when {@code OTEL_SDK_DISABLED=true}. {@code properties} are in property form ({@code otel.…}); system
     * properties win over them.
     */
    static boolean wanted(Map<String, String> properties) {
        if ("true".equalsIgnoreCase(setting(properties, "otel.sdk.disabled"))) {
            return false;
        }
        String exporter = setting(properties, "otel.traces.exporter");
        if (exporter != null) {
            return !exporter.isBlank() && !"none".equalsIgnoreCase(exporter.trim());
        }
        return setting(properties, "otel.exporter.otlp.endpoint") != null
                || setting(properties, "otel.exporter.otlp.traces.endpoint") != null;
    }

    /**
     * What {@code settings} (environment-variable or property keys) make of tracing, in words for {@code tolk config},
     * without starting anything: {@code off}, or where spans go. Export headers (credentials) are not shown.
     */
    static String describe(Map<String, String> settings) {
        Map<String, String> properties = properties(settings);
        if (!wanted(properties)) {
            return "off";
        }
        String traces = setting(properties, "otel.exporter.otlp.traces.endpoint");
        String base = setting(properties, "otel.exporter.otlp.endpoint");
        String endpoint = traces != null ? traces
                : (base != null ? base.replaceAll("/+$", "") : "http://localhost:4318") + "/v1/traces";
        String service = setting(properties, "otel.service.name");
        return "otlp " + endpoint + " (service " + (service != null ? service : "tolk") + ")";
    }

    private static String setting(Map<String, String> properties, String key) {
        String v = System.getProperty(key);
        if (v == null) {
            v = properties.get(key);
        }
        return v == null || v.isBlank() ? null : v;
    }

    /** {@code OTEL_FOO_BAR} → {@code otel.foo.bar} (OpenTelemetry's own mapping); other keys are dropped. */
    private static Map<String, String> properties(Map<String, String> settings) {
        Map<String, String> out = new HashMap<>();
        settings.forEach((k, v) -> {
            String key = k.toLowerCase(Locale.ROOT).replace('_', '.');
            if (key.startsWith("otel.") && v != null) {
                out.put(key, v);
            }
        });
        return out;
    }
}
