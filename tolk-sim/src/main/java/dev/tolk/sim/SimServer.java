package dev.tolk.sim;

import java.net.URI;
import java.util.List;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A running vLLM simulator: a real HTTP server (Jetty, virtual threads) on {@link #baseUri()}.
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
        handler = new SimHandler(options);
        server.setHandler(handler);
    }

    public static SimServer start(SimOptions options) {
        SimServer s = new SimServer(options);
        try {
            s.server.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the simulator on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
        return s;
    }

    public int port() {
        return connector.getLocalPort();
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
        return handler.stats().snapshot();
    }

    /** The last {@code n} requests, newest last. */
    public List<RequestLog.Entry> requests(int n) {
        return handler.log().last(n);
    }

    public List<RequestLog.Entry> requests() {
        return requests(RequestLog.CAPACITY);
    }

    /** Clears stats, the request log, the prefix cache and the scenario. */
    public void reset() {
        handler.stats().reset();
        handler.log().clear();
        handler.chat().reset();
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
