package dev.tolk.server.cli;

import dev.tolk.server.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The gateway's command-line flags, shared by {@code serve}, {@code config} and {@code code}. */
public final class GatewayOptions {
    @Option(names = "--host", description = "Bind address (default 127.0.0.1; env TOLK_HOST).")
    String host;

    @Option(names = "--port", description = "Port (default 8484; env TOLK_PORT; 0 = free port).")
    Integer port;

    @Option(names = "--upstream", description = "OpenAI-compatible upstream base URL, or 'sim' for the built-in "
            + "simulator (default http://localhost:8000; env VLLM_BASE_URL, a comma list). Repeatable: a fleet.")
    List<String> upstream;

    @Option(names = "--routing", description = "With several upstreams: bounded-affinity (default), affinity, "
            + "round-robin, least-loaded.")
    String routing;

    @Option(names = "--load-bound", description = "bounded-affinity spills a conversation from an upstream whose load "
            + "is above this × the mean (default 1.25).")
    Double loadBound;

    @Option(names = "--model", description = "Upstream model for client names it does not serve (env ANTHROPIC_MODEL).")
    String model;

    @Option(names = "--map", description = "Route client models matching GLOB to MODEL, e.g. '*haiku*=qwen3-8b'. Repeatable.")
    List<String> maps;

    @Option(names = "--max-model-len", description = "Override a model's context window: MODEL=TOKENS. Repeatable.")
    List<String> maxModelLen;

    @Option(names = "--api-key", description = "Require this key from clients (x-api-key or Bearer). Repeatable; "
            + "env TOLK_API_KEYS.")
    List<String> apiKeys;

    @Option(names = "--admin-key", description = "Require this key for /admin/… and /dashboard (env TOLK_ADMIN_KEY). "
            + "Without one they are open on loopback and refused on any other address.")
    String adminKey;

    @Option(names = "--db", description = "The store for keys and the usage ledger: a SQLite file or a "
            + "postgresql://… URL (env TOLK_DB_URL).")
    String db;

    @Option(names = "--allow-unauthenticated", description = "Allow a non-loopback bind without client keys.")
    Boolean allowUnauthenticated;

    @Option(names = "--reasoning-style", description = "auto, enable-thinking, thinking, reasoning-effort, token-budget, none.")
    String reasoningStyle;

    @Option(names = "--inline-system", description = "fold-into-user (default), keep-as-system, drop.")
    String inlineSystem;

    @Option(names = "--pdf", description = "reject (default) or placeholder.")
    String pdf;

    @Option(names = "--text-tool-calls", arity = "1", description = "Recover tool calls written as text (default true).")
    Boolean textToolCalls;

    @Option(names = "--ping-interval", description = "Seconds between pings while the upstream is silent (default 5).")
    Integer pingInterval;

    @Option(names = "--log-bodies", description = "Log request bodies (contains prompts; off by default).")
    Boolean logBodies;

    @Option(names = "--queue-wait", description = "Seconds a request may wait in the fair queue while every upstream "
            + "serving its model is at its capacity, then 529 (default 60).")
    Integer queueWait;

    @Option(names = "--config", description = "YAML configuration file.")
    Path config;

    ConfigLoader.Flags toFlags() {
        return new ConfigLoader.Flags(host, port, upstream == null ? null : String.join(",", upstream), model, maps,
                maxModelLen, apiKeys, allowUnauthenticated, reasoningStyle, inlineSystem, pdf, textToolCalls,
                pingInterval, logBodies, config, routing, loadBound, adminKey, db, queueWait);
    }
}
