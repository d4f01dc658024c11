package dev.tolk.server;

import dev.tolk.core.keys.InMemoryKeyCounters;
import dev.tolk.core.keys.KeyCounters;
import dev.tolk.core.keys.KeySource;
import dev.tolk.server.tracing.Tracing;
import java.util.Objects;

/**
 * What a gateway is given beyond its configuration: where client keys come from besides the static {@code api-keys}
 * ({@code keys}, null for none), where their usage is counted ({@code counters}: this process's exact
 * {@link InMemoryKeyCounters} unless a shared store provides its own, so that several replicas share the limits), and
 * the tracing of its Messages requests ({@code tracing}: {@link Tracing#OFF} by default, which costs a request
 * nothing; {@link Tracing#fromEnvironment()} for the {@code OTEL_*} variables, docs/tracing.md). The gateway closes
 * the tracing when it stops.
 */
public record GatewayExtensions(KeySource keys, KeyCounters counters, Tracing tracing) {
    public GatewayExtensions {
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(tracing, "tracing");
    }

    /** No keys besides the static ones, counted in this process, no tracing. */
    public static GatewayExtensions defaults() {
        return new GatewayExtensions(null, new InMemoryKeyCounters(), Tracing.OFF);
    }

    public GatewayExtensions withKeys(KeySource v) {
        return new GatewayExtensions(v, counters, tracing);
    }

    public GatewayExtensions withCounters(KeyCounters v) {
        return new GatewayExtensions(keys, v, tracing);
    }

    public GatewayExtensions withTracing(Tracing v) {
        return new GatewayExtensions(keys, counters, v);
    }
}
