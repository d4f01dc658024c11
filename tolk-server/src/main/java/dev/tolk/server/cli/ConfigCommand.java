package dev.tolk.server.cli;

import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.server.tracing.Tracing;
import dev.tolk.core.translate.models.ModelRoute;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tolk config}: prints the effective configuration, each value's source, secrets masked. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Print the effective configuration.")
public final class ConfigCommand implements Callable<Integer> {
    @Mixin
    GatewayOptions options;

    @Override
    public Integer call() {
        ConfigLoader.Loaded loaded;
        try {
            loaded = new ConfigLoader(System.getenv()).load(options.toFlags());
        } catch (ConfigException e) {
            System.err.println("tolk: " + e.getMessage());
            return 2;
        }
        GatewayConfig c = loaded.config();
        Map<String, String> src = loaded.sources();
        line("host", c.host(), src);
        line("port", Integer.toString(c.port()), src);
        if (c.upstreamSim()) {
            line("upstream", "sim (built-in vLLM simulator)", src);
        } else if (c.upstreams().size() == 1) {
            line("upstream", c.upstream().toString(), src);
        } else {
            line("upstreams", c.upstreams().size() + " upstreams", Map.of("upstreams", src.getOrDefault("upstream",
                    "default")));
            for (UpstreamConfig u : c.upstreams()) {
                System.out.printf("  - %-20s %s protocol=%s weight=%s key=%s models=%s%s%n", u.name(), u.url(),
                        u.protocol(), u.weight(), mask(u.apiKey()), u.models().isEmpty() ? "(from /v1/models)"
                                : String.join(",", u.models()), (u.capacity() > 0 ? " capacity=" + u.capacity() : "")
                                + (u.priorityScheduling() ? " priority-scheduling" : ""));
            }
        }
        line("routing", c.routing().wireName(), src);
        line("load-bound", Double.toString(c.loadBound()), src);
        line("failover-retries", Integer.toString(c.failoverRetries()), src);
        line("health-probe-seconds", Long.toString(c.probeInterval().toSeconds()), src);
        line("fair-queue", Boolean.toString(c.fairQueue()), src);
        line("queue-wait-seconds", Long.toString(c.queueWait().toSeconds()), src);
        line("upstream-api-key", mask(c.upstreamApiKey()), src);
        line("model", c.defaultModel() == null ? "(upstream's first model)" : c.defaultModel(), src);
        line("models", c.routes().isEmpty() ? "(none)" : c.routes().stream()
                .map(ModelRoute::toString).collect(Collectors.joining(", ")), src);
        line("max-model-len", c.maxModelLen().isEmpty() ? "(from upstream /v1/models)" : c.maxModelLen().toString(), src);
        line("api-keys", c.apiKeys().isEmpty() ? "(none)" : c.apiKeys().stream().map(ConfigCommand::mask)
                .collect(Collectors.joining(", ")), src);
        line("admin-key", c.adminKey() == null ? "(none)" : mask(c.adminKey()), src);
        String db = StoreLocation.resolve(c.database(), System.getenv());
        line("db", StoreLocation.none(db) ? "none (no store: no store keys, no ledger)" : maskUrl(db), src);
        line("allow-unauthenticated", Boolean.toString(c.allowUnauthenticated()), src);
        line("reasoning-style", c.translation().reasoningStyle().name().toLowerCase().replace('_', '-'), src);
        line("inline-system", c.translation().inlineSystem().name().toLowerCase().replace('_', '-'), src);
        line("pdf", c.translation().pdf().name().toLowerCase(), src);
        line("text-tool-calls", Boolean.toString(c.translation().recoverTextToolCalls()), src);
        line("replay-thinking", Boolean.toString(c.translation().replayThinking()), src);
        line("ping-interval-seconds", Long.toString(c.pingInterval().toSeconds()), src);
        line("max-body-bytes", Long.toString(c.maxBodyBytes()), src);
        line("thread-memory-mib", Long.toString(c.threadMemoryBytes() >> 20), src);
        line("log-bodies", Boolean.toString(c.logBodies()), src);
        line("shutdown-grace-seconds", Long.toString(c.shutdownGrace().toSeconds()), src);
        line("header-timeout-seconds", Long.toString(c.headerTimeout().toSeconds()), src);
        line("connect-timeout-seconds", Long.toString(c.connectTimeout().toSeconds()), src);
        line("upstream-timeout-seconds", Long.toString(c.upstreamTimeout().toSeconds()), src);
        line("upstream-head-timeout-seconds", Long.toString(c.upstreamHeadTimeout().toSeconds()), src);
        String tracing = Tracing.describe(System.getenv());
        line("tracing", maskUrl(tracing), Map.of("tracing", "off".equals(tracing) ? "default" : "OTEL_* variables"));
        loaded.warnings().forEach(w -> System.out.println("# warning: " + w));
        return 0;
    }

    private static void line(String key, String value, Map<String, String> src) {
        System.out.printf("%-24s %-40s # %s%n", key + ":", value, src.getOrDefault(key, "default"));
    }

    /** A database URL with any password in it hidden: {@code postgresql://tolk:***@db/tolk}. */
    static String maskUrl(String url) {
        return url.replaceAll("(://[^:/@]+:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    static String mask(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "(none)";
        }
        return secret.length() <= 8 ? "****" : secret.substring(0, 3) + "…" + "****";
    }
}
