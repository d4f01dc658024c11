package dev.tolk.server.cli;

import dev.tolk.server.TolkServer;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.server.upstream.UpstreamClient;
import dev.tolk.core.translate.models.UpstreamModel;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tolk code [--upstream URL] [--model NAME] [-- claude args…]}: starts the gateway in-process on a free
 * loopback port and runs the {@code claude} on PATH against it with the environment that makes Claude Code work on a
 * local model the first time:
 * <ul>
 *   <li>{@code ANTHROPIC_BASE_URL} = the gateway; credentials as {@code ANTHROPIC_AUTH_TOKEN} ({@code ANTHROPIC_API_KEY}
 *       is removed: with it the interactive CLI asks to approve the key and the default answer is No);</li>
 *   <li>{@code CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1}: no calls to Anthropic's servers;</li>
 *   <li>{@code CLAUDE_CODE_AUTO_COMPACT_WINDOW} = the served model's {@code max_model_len}, so the CLI compacts before
 *       the real window is full (2.1.331 clamps its auto-compact window to this value), and
 *       {@code CLAUDE_CODE_MAX_OUTPUT_TOKENS} = a quarter of the window (at most 32,000), a sensible output cap.</li>
 * </ul>
 * Arguments after {@code --} go to {@code claude} unchanged; its exit code is Tolk's.
 */
@Command(name = "code", mixinStandardHelpOptions = true,
        description = "Run Claude Code against a local model through an in-process Tolk gateway.")
public final class CodeCommand implements Callable<Integer> {
    @Mixin
    GatewayOptions options;

    @Option(names = "--claude", description = "The claude executable (default: $TOLK_CLAUDE_BIN, else claude on PATH).")
    Path claude;

    @Parameters(arity = "0..*", description = "Arguments for claude (put them after --).")
    List<String> claudeArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (options.port == null) {
            options.port = 0;
        }
        ConfigLoader.Loaded loaded;
        try {
            loaded = new ConfigLoader(System.getenv()).load(options.toFlags());
        } catch (ConfigException e) {
            System.err.println("tolk: " + e.getMessage());
            return 2;
        }
        GatewayConfig config = loaded.config().withHost("127.0.0.1");
        Path bin = findClaude();
        if (bin == null) {
            System.err.println("tolk: Claude Code is not installed (no 'claude' on PATH). Install it with:\n"
                    + "  npm i -g @anthropic-ai/claude-code\n"
                    + "or point TOLK_CLAUDE_BIN (or --claude) at the executable.");
            return 127;
        }
        SimServer sim = null;
        if (config.upstreamSim()) {
            sim = SimServer.start(SimOptions.defaults());
            config = config.withUpstream(sim.baseUri(), true);
        }
        try (UpstreamClient probe = new UpstreamClient(config.upstream(), config.upstreamApiKey(), Duration.ofSeconds(3),
                Duration.ofSeconds(10))) {
            ModelCatalog catalog = new ModelCatalog(probe::fetchModels, config.maxModelLen(), System::nanoTime);
            List<UpstreamModel> models;
            try {
                models = catalog.models();
            } catch (Exception e) {
                System.err.println("tolk: the upstream at " + config.upstream() + " is not reachable (" + e.getMessage()
                        + "). Start vLLM there, or pass --upstream URL (or --upstream sim to try Tolk without a GPU).");
                return 1;
            }
            if (models.isEmpty()) {
                System.err.println("tolk: the upstream at " + config.upstream() + " serves no models.");
                return 1;
            }
            String model = config.defaultModel() != null ? config.defaultModel() : models.get(0).id();
            java.util.OptionalInt known = catalog.windowOf(model);
            Integer window = known.isPresent() ? known.getAsInt() : null;
            try (TolkServer server = TolkServer.start(config)) {
                System.err.println("tolk: gateway on " + server.baseUri() + " -> " + config.upstream() + " (model " + model
                        + (window != null ? ", window " + window + " tokens" : "") + ")");
                ProcessBuilder pb = new ProcessBuilder(command(bin)).inheritIO();
                environment(pb.environment(), server, config, window);
                Process p = pb.start();
                return p.waitFor();
            }
        } finally {
            if (sim != null) {
                sim.close();
            }
        }
    }

    private List<String> command(Path bin) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.toString());
        cmd.addAll(claudeArgs);
        return cmd;
    }

    /** The child environment; public for tests. */
    static void environment(Map<String, String> env, TolkServer server, GatewayConfig config, Integer window) {
        env.remove("ANTHROPIC_API_KEY");
        env.put("ANTHROPIC_BASE_URL", server.baseUri().toString());
        env.put("ANTHROPIC_AUTH_TOKEN", config.apiKeys().isEmpty() ? "tolk-local" : config.apiKeys().get(0));
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        if (window != null) {
            env.putIfAbsent("CLAUDE_CODE_AUTO_COMPACT_WINDOW", Integer.toString(window));
            env.putIfAbsent("CLAUDE_CODE_MAX_OUTPUT_TOKENS", Integer.toString(Math.min(32000, Math.max(1024, window / 4))));
        }
    }

    private Path findClaude() {
        if (claude != null) {
            return Files.isExecutable(claude) ? claude : null;
        }
        String env = System.getenv("TOLK_CLAUDE_BIN");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, "claude");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
