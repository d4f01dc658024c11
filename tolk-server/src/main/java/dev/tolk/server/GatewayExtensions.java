package dev.tolk.server;

import dev.tolk.core.keys.InMemoryKeyCounters;
import dev.tolk.core.keys.KeyCounters;
import dev.tolk.core.keys.KeySource;
import java.util.Objects;

/**
 * What a gateway is given beyond its configuration: where client keys come from besides the static {@code api-keys}
 * ({@code keys}, null for none) and where their usage is counted ({@code counters}: this process's exact
 * {@link InMemoryKeyCounters} unless a shared store provides its own, so that several replicas share the limits).
 */
public record GatewayExtensions(KeySource keys, KeyCounters counters) {
    public GatewayExtensions {
        Objects.requireNonNull(counters, "counters");
    }

    /** No keys besides the static ones, counted in this process. */
    public static GatewayExtensions defaults() {
        return new GatewayExtensions(null, new InMemoryKeyCounters());
    }

    public GatewayExtensions withKeys(KeySource v) {
        return new GatewayExtensions(v, counters);
    }

    public GatewayExtensions withCounters(KeyCounters v) {
        return new GatewayExtensions(keys, v);
    }
}
