package dev.tolk.sim;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A running vLLM simulator instance: a real HTTP server (Jetty, virtual threads) on {@link #baseUri()}. Several
 * independent instances make a {@link SimFleet}.
 *
 * <pre>{@code
 * try (SimServer sim = SimServer.start(SimOptions.defaults())) {
 *     sim.loadScenario("rules: [{match: {lastUserText: hi}, reply: {text: hello}}]");
 *     ... point a client at sim.baseUri() ...
 *     assertThat(sim.stats().aborted()).isEqualTo(1);
 * }
 * }</pre>
 */
public final class SimServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final SimHandler handler;
    private final SimOptions options;
    private int boundPort;
    private volatile SimFault fault = SimFault.none();
    private long faultGeneration;
    private volatile SimFleet fleet;
    private volatile int index;

    private SimServer(SimOptions options) {
        this.options = options;
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("tolk-sim");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setAcceptQueueSize(4096);
        connector.setIdleTimeout(300_000);
        server.addConnector(connector);
        handler = new SimHandler(options, this);
        server.setHandler(handler);
    }

    public static SimServer start(SimOptions options) {
        SimServer s = new SimServer(options);
        try {
            s.server.start();
        } catch (Exception e) {
            try {
                s.server.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException("could not start the simulator on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
        s.boundPort = s.connector.getLocalPort();
        return s;
    }

    /** The port it listens on (kept while a {@link SimFault#down()} fault has closed it). */
    public int port() {
        return boundPort;
    }

    public URI baseUri() {
        return URI.create("http://" + options.host() + ":" + port());
    }

    public SimOptions options() {
        return options;
    }

    /** Replaces the scenario (JSON or YAML); see tolk-sim/README.md. */
    public void loadScenario(String jsonOrYaml) {
        try {
            handler.chat().scenario = Scenario.parse(jsonOrYaml);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bad scenario: " + e.getMessage(), e);
        }
    }

    public SimStats.Snapshot stats() {
        return handler.snapshot();
    }

    /** The last {@code n} admitted requests' cached tokens and modelled timings, oldest first. */
    public List<SimStats.RequestTiming> timings(int n) {
        return handler.stats().timings(n);
    }

    public List<SimStats.RequestTiming> timings() {
        return timings(SimStats.TIMINGS);
    }

    /** The last {@code n} requests, newest last. */
    public List<RequestLog.Entry> requests(int n) {
        return handler.log().last(n);
    }

    public List<RequestLog.Entry> requests() {
        return requests(RequestLog.CAPACITY);
    }

    /** Clears stats, the request log, the prefix cache and the scenario (not a fault). */
    public void reset() {
        handler.reset();
    }

    /** The fault in force. */
    public SimFault fault() {
        return fault;
    }

    /**
     * Injects a fault, or clears it with {@link SimFault#none()}. {@link SimFault.Mode#DOWN} returns once the port
     * refuses connections; clearing it returns once the same port accepts again.
     */
    public synchronized void fault(SimFault f) {
        long generation = ++faultGeneration;
        boolean wasDown = fault.mode() == SimFault.Mode.DOWN;
        boolean down = f.mode() == SimFault.Mode.DOWN;
        try {
            if (down && !wasDown) {
                resetConnections(); // before the stop, which would close them gracefully
                connector.stop();
            } else if (!down && wasDown) {
                connector.setPort(boundPort);
                connector.start();
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not " + (down ? "stop" : "restart") + " the simulator on port "
                    + boundPort + ": " + e.getMessage(), e);
        }
        fault = f;
        Duration d = f.duration();
        if (d != null) {
            Thread.ofVirtual().name("tolk-sim-fault-timer").start(() -> {
                try {
                    Thread.sleep(d);
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (faultGeneration == generation && server.isRunning()) {
                        fault(SimFault.none());
                    }
                }
            });
        }
    }

    /**
     * Resets every connection the instance still holds (RST, not FIN), as the kernel does to a dead vLLM process's
     * sockets with data still to come: a client waiting for a response or on a kept-alive connection learns at once
     * that the instance is gone, instead of after its timeout.
     */
    private void resetConnections() {
        for (org.eclipse.jetty.io.EndPoint ep : connector.getConnectedEndPoints()) {
            if (ep.getTransport() instanceof java.nio.channels.SocketChannel channel) {
                try {
                    channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                } catch (java.io.IOException | RuntimeException e) {
                    // closed already
                }
            }
            ep.close();
        }
    }

    /** Its position in its fleet (0 when it runs alone). */
    public int index() {
        return index;
    }

    void joinFleet(SimFleet f, int i) {
        fleet = f;
        index = i;
    }

    /** Instance {@code i} of the same fleet, for fleet-wide fault control over HTTP. */
    SimServer peer(int i) {
        SimFleet f = fleet;
        if (f == null) {
            if (i == index) {
                return this;
            }
            throw new IllegalArgumentException("this simulator is not part of a fleet; there is no instance " + i);
        }
        if (i < 0 || i >= f.size()) {
            throw new IllegalArgumentException("no instance " + i + " in a fleet of " + f.size());
        }
        return f.instance(i);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
