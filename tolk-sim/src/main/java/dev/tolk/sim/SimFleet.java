package dev.tolk.sim;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * N independent simulated vLLM instances, each with its own scheduler, KV cache, stats and faults, on consecutive
 * ports from {@code options.port()} (or free ports when it is 0).
 *
 * <pre>{@code
 * try (SimFleet fleet = SimFleet.start(3, SimOptions.builder().kvBlocks(2048).prefillMicrosPerToken(200).build())) {
 *     fleet.baseUris();                          // one per instance
 *     fleet.instance(1).fault(SimFault.down());  // instance 1 stops accepting connections
 * }
 * }</pre>
 */
public final class SimFleet implements AutoCloseable {
    private final List<SimServer> instances;

    private SimFleet(List<SimServer> instances) {
        this.instances = List.copyOf(instances);
    }

    public static SimFleet start(int n, SimOptions options) {
        if (n < 1) {
            throw new IllegalArgumentException("a fleet needs at least one instance, got " + n);
        }
        List<SimServer> started = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                int port = options.port() == 0 ? 0 : options.port() + i;
                started.add(SimServer.start(options.toBuilder().port(port).build()));
            }
        } catch (RuntimeException e) {
            started.forEach(SimServer::close);
            throw e;
        }
        SimFleet fleet = new SimFleet(started);
        for (int i = 0; i < n; i++) {
            started.get(i).joinFleet(fleet, i);
        }
        return fleet;
    }

    public int size() {
        return instances.size();
    }

    public SimServer instance(int i) {
        return instances.get(i);
    }

    public List<SimServer> instances() {
        return instances;
    }

    public List<URI> baseUris() {
        return instances.stream().map(SimServer::baseUri).toList();
    }

    /** Resets every instance (stats, request log, prefix cache, scenario). */
    public void reset() {
        instances.forEach(SimServer::reset);
    }

    /** Loads the same scenario into every instance. */
    public void loadScenario(String jsonOrYaml) {
        instances.forEach(s -> s.loadScenario(jsonOrYaml));
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (SimServer s : instances) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
