package dev.tolk.server.config;

import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.TranslationOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gateway's effective configuration, validated. Built by {@link ConfigLoader} (flags &gt; environment &gt;
 * YAML &gt; defaults) or programmatically with {@link #defaults(URI)} and the {@code with…} methods.
 *
 * @param upstreamSim true when the upstream is the built-in simulator (printed as such)
 * @param upstreamTimeout the longest the upstream may stay silent: before its response headers or between chunks
 * @param headerTimeout the longest a client may take over its request headers or leave its connection idle
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
        Duration headerTimeout) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8484;
    public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;

    public GatewayConfig {
        routes = List.copyOf(routes);
        maxModelLen = Map.copyOf(maxModelLen);
        apiKeys = List.copyOf(apiKeys);
    }

    public static GatewayConfig defaults(URI upstream) {
        return new GatewayConfig(DEFAULT_HOST, DEFAULT_PORT, upstream, false, null, null, List.of(), Map.of(), List.of(),
                false, TranslationOptions.defaults(), Duration.ofSeconds(5), DEFAULT_MAX_BODY_BYTES, false,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30));
    }

    public GatewayConfig withPort(int v) {
        return new GatewayConfig(host, v, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withHost(String v) {
        return new GatewayConfig(v, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withUpstream(URI v, boolean sim) {
        return new GatewayConfig(host, port, v, sim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withUpstreamApiKey(String v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, v, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withDefaultModel(String v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, v, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withRoutes(List<ModelRoute> v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, v, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withMaxModelLen(Map<String, Integer> v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, v, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withApiKeys(List<String> v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, v, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withAllowUnauthenticated(boolean v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, v, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withTranslation(TranslationOptions v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, v, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withPingInterval(Duration v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, v, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withMaxBodyBytes(long v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, v, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withLogBodies(boolean v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, v, shutdownGrace, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withShutdownGrace(Duration v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, v, connectTimeout, upstreamTimeout, headerTimeout);
    }

    public GatewayConfig withTimeouts(Duration connect, Duration silence) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connect, silence, headerTimeout);
    }

    /** How long a client may take to send its request headers, and stay silent on an idle connection. */
    public GatewayConfig withHeaderTimeout(Duration v) {
        return new GatewayConfig(host, port, upstream, upstreamSim, upstreamApiKey, defaultModel, routes, maxModelLen, apiKeys, allowUnauthenticated, translation, pingInterval, maxBodyBytes, logBodies, shutdownGrace, connectTimeout, upstreamTimeout, v);
    }

    /** Whether the bind address is a loopback one. */
    public boolean isLoopback() {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }
}
