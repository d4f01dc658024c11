package dev.tolk.server.config;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.TranslationOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gateway's effective configuration, validated. Built by {@link ConfigLoader} (flags &gt; environment &gt;
 * YAML &gt; defaults) or programmatically with {@link #builder()} (or {@link #defaults(URI)} and the {@code with…} methods).
 *
 * @param upstreamSim true when the upstream is the built-in simulator (printed as such)
 * @param upstreamTimeout the longest the upstream may stay silent: before its response headers or between chunks
 * @param upstreamHeadTimeout the longest a stream's upstream may take to send its response head (vLLM sends it at
 *                            once, before prefill); then the request fails over. At most {@code upstreamTimeout}
 * @param headerTimeout the longest a client may take over its request headers or leave its connection idle
 * @param upstreams every upstream (never empty once built with an upstream); {@code upstream} is the first one's URL
 * @param routing how a request chooses among the upstreams serving its model
 * @param loadBound bounded affinity's bound: an upstream above this × the mean load spills
 * @param probeInterval how often upstreams are probed ({@code /health}, else {@code /v1/models})
 * @param failoverRetries how many times one request may move to the next upstream
 * @param queueWait the longest a request waits in the fair queue while every upstream serving its model is at its
 *                  capacity; then 529 {@code overloaded_error}
 * @param fairQueue whether a saturated fleet holds requests in the fair queue (else they go to the upstreams at once
 *                  and wait in vLLM's own queue, first come first served)
 * @param threadMemoryBytes the most the message threads may hold (conversations as JSON bytes); 0 stores none
 *                          (every continue answers {@code thread_not_found} and the client replays)
 */
public record GatewayConfig(
        String host,
        int port,
        URI upstream,
        boolean upstreamSim,
        String upstreamApiKey,
        String defaultModel,
        List<ModelRoute> routes,
        Map<String, Integer> maxModelLen,
        List<String> apiKeys,
        boolean allowUnauthenticated,
        TranslationOptions translation,
        Duration pingInterval,
        long maxBodyBytes,
        boolean logBodies,
        Duration shutdownGrace,
        Duration connectTimeout,
        Duration upstreamTimeout,
        Duration upstreamHeadTimeout,
        Duration headerTimeout,
        List<UpstreamConfig> upstreams,
        RoutingPolicy routing,
        double loadBound,
        Duration probeInterval,
        int failoverRetries,
        long threadMemoryBytes,
        String adminKey,
        String database,
        Duration queueWait,
        boolean fairQueue) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8484;
    public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
    public static final long DEFAULT_THREAD_MEMORY_MIB = 256;
    public static final Duration DEFAULT_UPSTREAM_HEAD_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_QUEUE_WAIT_SECONDS = 60;

    public GatewayConfig {
        routes = List.copyOf(routes);
        maxModelLen = Map.copyOf(maxModelLen);
        apiKeys = List.copyOf(apiKeys);
        if (upstreamHeadTimeout == null || upstreamTimeout != null && upstreamHeadTimeout.compareTo(upstreamTimeout) > 0) {
            upstreamHeadTimeout = upstreamTimeout; // it bounds the same silence, only sooner
        }
        if ((upstreams == null || upstreams.isEmpty()) && upstream != null) {
            upstreams = List.of(UpstreamConfig.of(upstream, upstreamApiKey));
        }
        upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
        if (upstream == null && !upstreams.isEmpty()) {
            upstream = upstreams.get(0).url();
        }
    }

    public static GatewayConfig defaults(URI upstream) {
        return new Builder().upstream(upstream).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.upstream = upstream;
        b.upstreamSim = upstreamSim;
        b.upstreamApiKey = upstreamApiKey;
        b.defaultModel = defaultModel;
        b.routes = routes;
        b.maxModelLen = maxModelLen;
        b.apiKeys = apiKeys;
        b.allowUnauthenticated = allowUnauthenticated;
        b.translation = translation;
        b.pingInterval = pingInterval;
        b.maxBodyBytes = maxBodyBytes;
        b.logBodies = logBodies;
        b.shutdownGrace = shutdownGrace;
        b.connectTimeout = connectTimeout;
        b.upstreamTimeout = upstreamTimeout;
        b.upstreamHeadTimeout = upstreamHeadTimeout;
        b.headerTimeout = headerTimeout;
        // the one upstream derived from upstream + upstreamApiKey is derived again, so with… on either follows
        b.upstreams = upstreams.equals(List.of(UpstreamConfig.of(upstream, upstreamApiKey))) ? List.of() : upstreams;
        b.routing = routing;
        b.loadBound = loadBound;
        b.probeInterval = probeInterval;
        b.failoverRetries = failoverRetries;
        b.threadMemoryBytes = threadMemoryBytes;
        b.adminKey = adminKey;
        b.database = database;
        b.queueWait = queueWait;
        b.fairQueue = fairQueue;
        return b;
    }

    public GatewayConfig withPort(int v) {
        return toBuilder().port(v).build();
    }

    public GatewayConfig withHost(String v) {
        return toBuilder().host(v).build();
    }

    public GatewayConfig withUpstream(URI v, boolean sim) {
        return toBuilder().upstream(v).upstreamSim(sim).build();
    }

    public GatewayConfig withUpstreamApiKey(String v) {
        return toBuilder().upstreamApiKey(v).build();
    }

    public GatewayConfig withDefaultModel(String v) {
        return toBuilder().defaultModel(v).build();
    }

    public GatewayConfig withRoutes(List<ModelRoute> v) {
        return toBuilder().routes(v).build();
    }

    public GatewayConfig withMaxModelLen(Map<String, Integer> v) {
        return toBuilder().maxModelLen(v).build();
    }

    public GatewayConfig withApiKeys(List<String> v) {
        return toBuilder().apiKeys(v).build();
    }

    public GatewayConfig withAllowUnauthenticated(boolean v) {
        return toBuilder().allowUnauthenticated(v).build();
    }

    public GatewayConfig withTranslation(TranslationOptions v) {
        return toBuilder().translation(v).build();
    }

    public GatewayConfig withPingInterval(Duration v) {
        return toBuilder().pingInterval(v).build();
    }

    public GatewayConfig withMaxBodyBytes(long v) {
        return toBuilder().maxBodyBytes(v).build();
    }

    public GatewayConfig withLogBodies(boolean v) {
        return toBuilder().logBodies(v).build();
    }

    public GatewayConfig withShutdownGrace(Duration v) {
        return toBuilder().shutdownGrace(v).build();
    }

    public GatewayConfig withTimeouts(Duration connect, Duration silence) {
        return toBuilder().connectTimeout(connect).upstreamTimeout(silence).build();
    }

    /** How long a client may take to send its request headers, and stay silent on an idle connection. */
    public GatewayConfig withHeaderTimeout(Duration v) {
        return toBuilder().headerTimeout(v).build();
    }

    public GatewayConfig withThreadMemoryBytes(long v) {
        return toBuilder().threadMemoryBytes(v).build();
    }

    /** Builds a configuration field by field, from the defaults. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private URI upstream;
        private boolean upstreamSim;
        private String upstreamApiKey;
        private String defaultModel;
        private List<ModelRoute> routes = List.of();
        private Map<String, Integer> maxModelLen = Map.of();
        private List<String> apiKeys = List.of();
        private boolean allowUnauthenticated;
        private TranslationOptions translation = TranslationOptions.defaults();
        private Duration pingInterval = Duration.ofSeconds(5);
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private boolean logBodies;
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration upstreamTimeout = Duration.ofMinutes(10);
        private Duration upstreamHeadTimeout = DEFAULT_UPSTREAM_HEAD_TIMEOUT;
        private Duration headerTimeout = Duration.ofSeconds(30);
        private List<UpstreamConfig> upstreams = List.of();
        private RoutingPolicy routing = RoutingPolicy.BOUNDED_AFFINITY;
        private double loadBound = Fleet.DEFAULT_LOAD_BOUND;
        private Duration probeInterval = Duration.ofSeconds(2);
        private int failoverRetries = 1;
        private long threadMemoryBytes = DEFAULT_THREAD_MEMORY_MIB << 20;
        private String adminKey;
        private String database;
        private Duration queueWait = Duration.ofSeconds(DEFAULT_QUEUE_WAIT_SECONDS);
        private boolean fairQueue = true;

        private Builder() {}

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        /** One upstream (replaces any list given before). */
        public Builder upstream(URI v) { upstream = v; upstreams = List.of(); return this; }
        /** Several upstreams; the first one's URL becomes {@link GatewayConfig#upstream()}. */
        public Builder upstreams(List<UpstreamConfig> v) { upstreams = v; upstream = v.isEmpty() ? null : v.get(0).url(); return this; }
        public Builder routing(RoutingPolicy v) { routing = v; return this; }
        public Builder loadBound(double v) { loadBound = v; return this; }
        public Builder probeInterval(Duration v) { probeInterval = v; return this; }
        public Builder failoverRetries(int v) { failoverRetries = v; return this; }
        public Builder threadMemoryBytes(long v) { threadMemoryBytes = v; return this; }
        /** The key for {@code /admin/…} and {@code /dashboard}; null: open on loopback, refused elsewhere. */
        public Builder adminKey(String v) { adminKey = v; return this; }
        /** {@code --db}: a SQLite file path or a {@code postgresql://…} URL; null: the default store. */
        public Builder database(String v) { database = v; return this; }
        /** The longest a request waits in the fair queue of a saturated fleet before its 529. */
        public Builder queueWait(Duration v) { queueWait = v; return this; }
        /** Whether a saturated fleet holds requests in the fair queue (true) or sends them on at once. */
        public Builder fairQueue(boolean v) { fairQueue = v; return this; }
        public Builder upstreamSim(boolean v) { upstreamSim = v; return this; }
        public Builder upstreamApiKey(String v) { upstreamApiKey = v; return this; }
        public Builder defaultModel(String v) { defaultModel = v; return this; }
        public Builder routes(List<ModelRoute> v) { routes = v; return this; }
        public Builder maxModelLen(Map<String, Integer> v) { maxModelLen = v; return this; }
        public Builder apiKeys(List<String> v) { apiKeys = v; return this; }
        public Builder allowUnauthenticated(boolean v) { allowUnauthenticated = v; return this; }
        public Builder translation(TranslationOptions v) { translation = v; return this; }
        public Builder pingInterval(Duration v) { pingInterval = v; return this; }
        public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
        public Builder logBodies(boolean v) { logBodies = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder upstreamTimeout(Duration v) { upstreamTimeout = v; return this; }
        public Builder upstreamHeadTimeout(Duration v) { upstreamHeadTimeout = v; return this; }
        public Builder headerTimeout(Duration v) { headerTimeout = v; return this; }

        public GatewayConfig build() {
            return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes,
                    maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies,
                    shutdownGrace, connectTimeout, upstreamTimeout, upstreamHeadTimeout, headerTimeout, upstreams,
                    routing, loadBound, probeInterval, failoverRetries, threadMemoryBytes, adminKey, database,
                    queueWait, fairQueue);
        }
    }

    /** Whether the bind address is a loopback one. */
    public boolean isLoopback() {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }
}
