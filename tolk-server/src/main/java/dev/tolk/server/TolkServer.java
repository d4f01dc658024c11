package dev.tolk.server;

import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.dashboard.DashboardNumbers;
import dev.tolk.server.dashboard.DashboardSnapshot;
import dev.tolk.server.dashboard.InMemoryUsage;
import dev.tolk.server.dashboard.UsageView;
import dev.tolk.server.http.DashboardRoutes;
import dev.tolk.server.http.AccessLog;
import dev.tolk.server.http.AdminAccess;
import dev.tolk.server.http.AdminSessions;
import dev.tolk.server.http.ClientAuthentication;
import dev.tolk.server.http.ClientTimeouts;
import dev.tolk.server.http.GatewayHandler;
import dev.tolk.server.metrics.GatewayMetrics;
import dev.tolk.server.store.GatewayStore;
import dev.tolk.server.tracing.Tracing;
import dev.tolk.core.translate.models.ModelRouter;
import dev.tolk.server.upstream.FleetMonitor;
import dev.tolk.server.upstream.Upstreams;
import dev.tolk.server.usage.LedgerListener;
import dev.tolk.store.usage.UsageLedger;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A running Tolk gateway (Jetty 12 on virtual threads).
 *
 * <pre>{@code
 * try (TolkServer tolk = TolkServer.start(GatewayConfig.defaults(URI.create("http://127.0.0.1:8000")).withPort(0))) {
 *     // point an Anthropic client at tolk.baseUri()
 * }
 * }</pre>
 */
public final class TolkServer implements AutoCloseable {
    private final GatewayConfig config;
    private final Server server;
    private final ServerConnector connector;
    private final Upstreams upstreams;
    private final FleetMonitor monitor;
    private final GatewayHandler handler;
    private final AccessLog accessLog;
    private final AdminSessions adminSessions;
    private final DashboardRoutes dashboard;
    private volatile UsageView usage;
    private final GatewayStore store;
    /** The usage ledger of the store's database: null without a store. */
    private final UsageLedger ledger;
    private final Tracing tracing;

    private TolkServer(GatewayConfig config, GatewayExtensions extensions) {
        boolean withStore = hasStore(config);
        if (!config.isLoopback() && config.apiKeys().isEmpty() && !withStore && extensions.keys() == null
                && !config.allowUnauthenticated()) {
            throw new IllegalArgumentException("refusing to listen on " + config.host()
                    + " without an API key: anyone who can reach it could use the upstream. Set --api-key or "
                    + "TOLK_API_KEYS, keep keys in a store (--db), or pass --allow-unauthenticated if this is really "
                    + "what you want.");
        }
        this.config = config;
        this.tracing = extensions.tracing();
        this.upstreams = new Upstreams(config);
        RequestTranslator translator = new RequestTranslator(config.translation(),
                new ModelRouter(upstreams.catalog()::servedNames, config.routes(), config.defaultModel()));
        // opened on its own thread while the gateway is set up; one that is down is retried while the gateway serves
        this.store = withStore ? GatewayStore.open(config.database()) : null;
        GatewayMetrics metrics = new GatewayMetrics();
        metrics.upstreams(upstreams);
        // the ledger exists from the start: until the store is open its rows wait in the buffer
        this.ledger = store == null ? null
                : new UsageLedger(store::dataSource, UsageLedger.DEFAULT_CAPACITY, UsageLedger.DEFAULT_LINGER);
        if (store != null) {
            metrics.store(store);
            metrics.ledger(ledger);
        }
        // the store's counters when there is a store (shared by replicas), else the given ones (in-memory by default)
        this.handler = new GatewayHandler(config, translator, upstreams, metrics, store,
                store != null ? store.counters() : extensions.counters(), extensions.tracing());
        this.monitor = new FleetMonitor(upstreams, config.probeInterval());

        QueuedThreadPool pool = new ResumeInlineThreadPool(64, 2);
        pool.setName("tolk");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        // Jetty's 8 KiB request buffer stays: a connection keeps it while its stream is served (a body chunk held it
        // when the parser looked), so 64 KiB cost 9,850 slow streams ≈ 540 MB of direct memory and then failures
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setAcceptQueueSize(4096);
        // the header timeout until a request is complete; while it is served, longer than the upstream may be silent
        connector.setIdleTimeout(config.headerTimeout().toMillis());
        server.addConnector(connector);
        // the front door, outermost first: idle timeouts, the exchange and its access line, client keys, the routes
        // with a store off loopback a key is always needed (none gets in before the first key is made), unless the
        // operator allowed unauthenticated use
        Handler routes = config.apiKeys().isEmpty() && store == null && extensions.keys() == null ? handler
                : new ClientAuthentication(handler, config.apiKeys(), store == null ? null : store.keys(),
                        extensions.keys(),
                        store != null && !config.isLoopback() && !config.allowUnauthenticated());
        adminSessions = new AdminSessions(config.adminKey(), System::nanoTime);
        accessLog = new AccessLog(new AdminAccess(routes, adminSessions, config.isLoopback()), metrics);
        // the dashboard's own numbers: O(1) per ended request; everything else is read only while someone looks
        DashboardNumbers numbers = new DashboardNumbers();
        InMemoryUsage sinceStart = new InMemoryUsage();
        accessLog.addListener(numbers);
        accessLog.addListener(sinceStart);
        // with a store, the ledger's numbers (every replica, across restarts); this gateway's own while it is away
        usage = ledger == null ? sinceStart
                : new dev.tolk.server.dashboard.LedgerUsage(store::dataSource, sinceStart, System::currentTimeMillis);
        DashboardSnapshot snapshot = new DashboardSnapshot(upstreams, handler::runningStreams, numbers, () -> usage,
                adminSessions.keyConfigured(), System::currentTimeMillis);
        dashboard = new DashboardRoutes(snapshot::state, snapshot::sessions, adminSessions);
        handler.dashboard(dashboard);
        if (ledger != null) {
            accessLog.addListener(new LedgerListener(ledger));
        }
        server.setHandler(new ClientTimeouts(accessLog, config.headerTimeout(),
                config.upstreamTimeout().plus(Duration.ofMinutes(1))));
        server.setStopTimeout(config.shutdownGrace().toMillis() + 3000);
    }

    /**
     * When a response completes on a thread other than the one that parsed its request (every stream: its relay ends
     * it on the upstream client's selector thread), Jetty hands the connection to the pool to look for the next
     * request ({@code HttpConnection.resume}): a pool thread is woken for what is one read that usually finds nothing
     * yet, then parks again. Tolk's handler never blocks ({@link GatewayHandler#getInvocationType}), so the thread that
     * completed the response reads the connection itself: one thread wake-up less per request (50 streams: see
     * docs/benchmarks.md). Only that hand-over runs inline; every other task goes to the pool.
     */
    private static final class ResumeInlineThreadPool extends QueuedThreadPool {
        ResumeInlineThreadPool(int maxThreads, int minThreads) {
            super(maxThreads, minThreads);
        }

        @Override
        public void execute(Runnable job) {
            if (job instanceof org.eclipse.jetty.server.internal.HttpConnection) {
                job.run();
            } else {
                super.execute(job);
            }
        }
    }

    /** A gateway with {@link GatewayExtensions#defaults()}: no keys beyond the configuration's, no tracing. */
    public static TolkServer start(GatewayConfig config) {
        return start(config, GatewayExtensions.defaults());
    }

    /**
     * A gateway given more than its configuration: client keys from {@code extensions.keys()} besides the static
     * {@code api-keys} and the store's, the counters their limits use when there is no store (in-memory by
     * default), and the tracing of its Messages requests ({@code extensions.tracing()}, off by default;
     * docs/tracing.md), which the gateway closes.
     */
    public static TolkServer start(GatewayConfig config, GatewayExtensions extensions) {
        TolkServer t;
        try {
            t = new TolkServer(config, extensions);
        } catch (RuntimeException e) {
            extensions.tracing().close();
            throw e;
        }
        try {
            if (t.store != null) {
                // opened meanwhile on the store's thread; a database that does not answer is retried in the background
                t.store.awaitFirstAttempt(Duration.ofSeconds(10));
            }
            t.server.start();
        } catch (Exception e) {
            t.monitor.close();
            t.upstreams.close();
            t.closeStore(Duration.ZERO);
            t.tracing.close();
            throw new IllegalStateException("could not listen on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        return t;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public URI baseUri() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port());
    }

    /** The admin key and the dashboard's login sessions ({@code /admin/…}, {@code /dashboard}). */
    public AdminSessions adminSessions() {
        return adminSessions;
    }

    /** Tells {@code listener} of every request that ends from now on (the ledger, the session numbers). */
    public void addRequestListener(dev.tolk.server.http.RequestListener listener) {
        accessLog.addListener(listener);
    }

    /**
     * Where the dashboard and {@code /admin/sessions} read usage per key and per session: by default what this gateway
     * counted since it started; a store's usage ledger replaces it.
     */
    public void usageView(UsageView view) {
        this.usage = java.util.Objects.requireNonNull(view);
    }

    /** Whether {@code config} names a store: {@code database} set and not {@code none}. */
    public static boolean hasStore(GatewayConfig config) {
        return config.database() != null && !"none".equalsIgnoreCase(config.database().strip());
    }

    /**
     * The store (keys, shared counters, the usage ledger's database), or null when the
     * gateway runs without one ({@code --db none}, or a programmatic config without {@code database}).
     */
    public GatewayStore store() {
        return store;
    }

    /** The usage ledger, when the gateway has a store. */
    public java.util.Optional<UsageLedger> usageLedger() {
        return java.util.Optional.ofNullable(ledger);
    }

    public GatewayConfig config() {
        return config;
    }

    /** Graceful stop: no new connections, open streams get the grace period, then an error event. */
    @Override
    public void close() {
        long closing = System.nanoTime();
        try {
            dashboard.close(); // its event streams would otherwise hold the stop for the whole grace period
            connector.close();
            handler.drain(config.shutdownGrace());
            server.stop();
        } catch (Exception e) {
            // stopping anyway
        } finally {
            monitor.close();
            upstreams.close();
            closeStore(config.shutdownGrace().minusNanos(System.nanoTime() - closing));
            tracing.close(); // after the streams ended: their spans are exported
        }
    }

    /**
     * The ledger writes what it still holds in what is left of the shutdown grace after the streams (at least 1 s:
     * a reachable database takes a batch in milliseconds); what is still unwritten then is counted as dropped.
     */
    private void closeStore(Duration left) {
        if (ledger != null) {
            ledger.close(left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left);
        }
        if (store != null) {
            store.close();
        }
    }
}
