package dev.tolk.server.cli;

import dev.tolk.server.GatewayExtensions;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.tracing.Tracing;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tolk serve}: runs the gateway until SIGTERM/SIGINT, then shuts down gracefully. Prints exactly one line,
 * {@code Tolk listening on http://H:P -> URL} (several URLs joined by {@code ", "} for a fleet), on stdout once it
 * accepts connections.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the gateway: Anthropic Messages API in front, vLLM / OpenAI Chat Completions behind.")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    GatewayOptions options;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded;
        try {
            loaded = new ConfigLoader(System.getenv()).load(options.toFlags());
        } catch (ConfigException e) {
            System.err.println("tolk: " + e.getMessage());
            return 2;
        }
        loaded.warnings().forEach(w -> System.err.println("tolk: warning: " + w));
        GatewayConfig config = loaded.config();
        // the CLI's gateway keeps keys and the ledger in the default SQLite file unless told otherwise (--db none: none)
        config = config.toBuilder().database(StoreLocation.resolve(config.database(), System.getenv())).build();
        SimServer sim = null;
        if (config.upstreamSim()) {
            sim = SimServer.start(SimOptions.defaults());
            config = config.withUpstream(sim.baseUri(), true);
        }
        TolkServer server;
        try {
            server = TolkServer.start(config, GatewayExtensions.defaults().withTracing(Tracing.fromEnvironment()));
        } catch (IllegalArgumentException | IllegalStateException | dev.tolk.store.StoreException e) {
            System.err.println("tolk: " + e.getMessage());
            if (sim != null) {
                sim.close();
            }
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        StopSignals.onStop(stop::countDown); // a graceful stop, then exit 0
        System.out.println("Tolk listening on " + server.baseUri() + " -> " + String.join(", ", config.upstreams()
                .stream().map(u -> stripSlash(u.url().toString())).toList())
                + (config.upstreamSim() ? " (built-in vLLM simulator)" : ""));
        System.out.flush();
        stop.await();
        server.close(); // stop accepting, let streams finish for the grace period, then end them with an error event
        if (sim != null) {
            sim.close();
        }
        return 0;
    }

    static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
