package dev.tolk.server.metrics;

import dev.tolk.core.translate.request.BetaPolicy;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports what a request carried that Tolk ignores without knowing it (docs/request-fields.md): each distinct
 * unknown top-level field and {@code anthropic-beta} is logged once at WARN ({@code tolk.ignored}) and counted in
 * {@code tolk_ignored_fields_total{field}} / {@code tolk_ignored_betas_total{beta}}. A client chooses these names,
 * so at most {@value #MAX_NAMES} distinct ones of each kind are tracked; later ones are counted as {@code other}.
 * An ordinary request (no unknown field, a beta header seen before) costs one map lookup of its beta header.
 */
public final class IgnoredInputs {
    static final int MAX_NAMES = 100;
    static final String OTHER = "other";
    private static final int MAX_BETA_HEADERS = 256;
    private static final Logger LOG = LoggerFactory.getLogger("tolk.ignored");

    private final Names fields;
    private final Names betas;
    /** The unknown betas of each distinct header value seen (Claude Code sends the same few values). */
    private final ConcurrentHashMap<String, List<String>> betaHeaders = new ConcurrentHashMap<>();

    public IgnoredInputs(GatewayMetrics metrics) {
        fields = new Names("request field", metrics::ignoredField);
        betas = new Names("anthropic-beta", metrics::ignoredBeta);
    }

    /** Notes one request's unknown top-level fields and its {@code anthropic-beta} header (null when absent). */
    public void note(List<String> unknownFields, String betaHeader) {
        for (int i = 0; i < unknownFields.size(); i++) {
            fields.count(unknownFields.get(i));
        }
        if (betaHeader != null) {
            List<String> unknown = betaHeaders.get(betaHeader);
            if (unknown == null) {
                unknown = BetaPolicy.unknown(betaHeader);
                if (betaHeaders.size() < MAX_BETA_HEADERS) {
                    betaHeaders.putIfAbsent(betaHeader, unknown);
                }
            }
            for (int i = 0; i < unknown.size(); i++) {
                betas.count(unknown.get(i));
            }
        }
    }

    /** One kind of name: a counter per distinct name up to the cap, each first sight logged. */
    private static final class Names {
        private final String kind;
        private final Function<String, Counter> meter;
        private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

        Names(String kind, Function<String, Counter> meter) {
            this.kind = kind;
            this.meter = meter;
        }

        void count(String name) {
            Counter c = counters.get(name);
            if (c == null) {
                c = counters.size() < MAX_NAMES ? counters.computeIfAbsent(name, this::first) : other();
            }
            c.increment();
        }

        private Counter first(String name) {
            LOG.warn("ignored unknown {} '{}' (accepted; see docs/request-fields.md)", kind, printable(name));
            return meter.apply(printable(name));
        }

        private Counter other() {
            Counter c = counters.get(OTHER);
            return c != null ? c : counters.computeIfAbsent(OTHER, n -> {
                LOG.warn("more than {} distinct unknown {} names; further ones are counted as '{}'", MAX_NAMES, kind,
                        OTHER);
                return meter.apply(OTHER);
            });
        }

        /** A client-chosen name in a log line: bounded and without control characters. */
        private static String printable(String name) {
            String s = name.length() > 100 ? name.substring(0, 100) + "…" : name;
            return s.replaceAll("\\p{Cntrl}", "?");
        }
    }
}
