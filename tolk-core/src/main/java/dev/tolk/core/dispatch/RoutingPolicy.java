package dev.tolk.core.dispatch;

import java.util.Locale;

/** How a request chooses among the upstreams that serve its model (config {@code routing}, flag {@code --routing}). */
public enum RoutingPolicy {
    /** The conversation's rendezvous ranking, skipping an upstream whose load is above the bound (the default). */
    BOUNDED_AFFINITY,
    /** The conversation's rendezvous ranking, whatever the load. */
    AFFINITY,
    /** Each request to the next upstream in turn. */
    ROUND_ROBIN,
    /** The upstream with the least load. */
    LEAST_LOADED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code bounded-affinity}, {@code affinity}, {@code round-robin}, {@code least-loaded}. */
    public static RoutingPolicy parse(String s) {
        for (RoutingPolicy p : values()) {
            if (p.wireName().equals(s.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("routing must be one of bounded-affinity, affinity, round-robin, "
                + "least-loaded, got '" + s + "'");
    }
}
