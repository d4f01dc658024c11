package dev.tolk.server.cli;

import dev.tolk.server.GatewayExtensions;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.server.logging.LogFile;
import dev.tolk.server.tracing.Tracing;
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
 *       the real window is full — only when the installed CLI accepts the value (2.1.154 and later, and a window of
 *       at least {@value ClaudeCodeVersion#AUTO_COMPACT_MINIMUM} tokens, the CLI's minimum; under it the CLI
 *       compacts when Tolk answers "prompt is too long", which one line says), and
 *       {@code CLAUDE_CODE_MAX_OUTPUT_TOKENS} = a quarter of the window (at most 32,000), a sensible output cap.</li>
 * </ul>
 * While {@code claude} owns the terminal the gateway writes nothing there: its log goes to a file whose path is
 * printed first ({@code --log-file}; {@code --verbose} keeps it on stderr). Arguments after {@code --} go to
 * {@code claude} unchanged; its exit code is Tolk's.
 */
@Command(name = "code", mixinStandardHelpOptions = true,
        description = "Run Claude Code against a local model through an in-process Tolk gateway.")
public final class CodeCommand implements Callable<Integer> {
    @Mixin
    GatewayOptions options;

    @Option(names = "--claude", description = "The claude executable (default: $TOLK_CLAUDE_BIN, else claude on PATH).")
    Path claude;

    @Option(names = "--log-file", paramLabel = "PATH",
            description = "Where the gateway's log goes while claude runs (default: $XDG_STATE_HOME/tolk/code.log,"
                    + " else ~/.local/state/tolk/code.log).")
    Path logFile;

    @Option(names = "--verbose", description = "Keep the gateway's log on stderr, in claude's terminal.")
    boolean verbose;

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
            ClaudeCodeVersion version = ClaudeCodeVersion.of(bin);
            Path log = null;
            if (!verbose) {
                log = logFile != null ? logFile : LogFile.defaultPath(System.getenv());
                try {
                    LogFile.redirectTo(log);
                } catch (java.io.IOException e) {
                    System.err.println("tolk: " + e.getMessage() + "; use --log-file PATH or --verbose");
                    return 2;
                }
                System.err.println("tolk: gateway log -> " + log);
            }
            TolkServer started;
            try {
                started = TolkServer.start(config, GatewayExtensions.defaults().withTracing(Tracing.fromEnvironment()));
            } catch (IllegalArgumentException | IllegalStateException | dev.tolk.store.StoreException e) {
                System.err.println("tolk: " + e.getMessage()); // as serve: a bad OTEL_* value, a port in use
                return 2;
            }
            try (TolkServer server = started) {
                System.err.println("tolk: gateway on " + server.baseUri() + " -> " + config.upstream() + " (model " + model
                        + (window != null ? ", window " + window + " tokens" : "") + "), Claude Code "
                        + (version != null ? version : "of unknown version"));
                String compaction = compactionNote(version, window, System.getenv());
                if (compaction != null) {
                    System.err.println("tolk: " + compaction);
                }
                ProcessBuilder pb = new ProcessBuilder(command(bin)).inheritIO();
                environment(pb.environment(), server, config, window, version);
                Process p = pb.start();
                int exit = p.waitFor();
                if (log != null) {
                    System.err.println("tolk: the gateway's log is in " + log); // the CLI may have cleared the screen
                }
                return exit;
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

    /** The child environment. */
    static void environment(Map<String, String> env, TolkServer server, GatewayConfig config, Integer window,
                            ClaudeCodeVersion version) {
        env.remove("ANTHROPIC_API_KEY");
        env.put("ANTHROPIC_BASE_URL", server.baseUri().toString());
        env.put("ANTHROPIC_AUTH_TOKEN", config.apiKeys().isEmpty() ? "tolk-local" : config.apiKeys().get(0));
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        windowSettings(window, version).forEach(env::putIfAbsent); // values the user set are kept
    }

    /** The variables that fit Claude Code to the model's window, for this CLI version (also shown by tolk doctor). */
    static Map<String, String> windowSettings(Integer window, ClaudeCodeVersion version) {
        Map<String, String> vars = new java.util.LinkedHashMap<>();
        if (window != null) {
            if (acceptsAutoCompactWindow(version, window)) {
                vars.put("CLAUDE_CODE_AUTO_COMPACT_WINDOW", Integer.toString(window));
            }
            vars.put("CLAUDE_CODE_MAX_OUTPUT_TOKENS", Integer.toString(Math.min(32000, Math.max(1024, window / 4))));
        }
        return vars;
    }

    /**
     * Whether this CLI takes the model's window as its auto-compact window: from 2.1.154 (an unknown version is
     * taken as recent), and only at or above its minimum — a smaller value is read as the minimum (2.1.332 warns).
     */
    static boolean acceptsAutoCompactWindow(ClaudeCodeVersion version, int window) {
        return window >= ClaudeCodeVersion.AUTO_COMPACT_MINIMUM && (version == null || version.honoursAutoCompactWindow());
    }

    /** One line on how a long session stays inside a window the CLI cannot compact ahead of; null when it can. */
    static String compactionNote(ClaudeCodeVersion version, Integer window, Map<String, String> env) {
        if (window == null || window >= ClaudeCodeVersion.AUTO_COMPACT_MINIMUM
                || env.containsKey("CLAUDE_CODE_AUTO_COMPACT_WINDOW")) {
            return null;
        }
        String base = "the model's " + window + "-token window is under Claude Code's "
                + ClaudeCodeVersion.AUTO_COMPACT_MINIMUM / 1000 + "k auto-compact minimum";
        if (version != null && !version.compactsReactively()) {
            return base + ", and Claude Code " + version + " does not compact on \"prompt is too long\" (2.1.300 and"
                    + " later do): a long session stops there";
        }
        return base + ": it compacts when Tolk answers \"prompt is too long\"";
    }

    private Path findClaude() {
        if (claude != null) {
            return Files.isExecutable(claude) ? claude : null;
        }
        String env = System.getenv("TOLK_CLAUDE_BIN");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        return onPath(System.getenv("PATH"));
    }

    /** The {@code claude} executable in a PATH value, or null. */
    static Path onPath(String path) {
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
