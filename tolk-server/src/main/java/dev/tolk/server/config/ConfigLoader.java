package dev.tolk.server.config;

import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.translate.models.ModelRoute;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tolk.core.json.Json;
import dev.tolk.core.translate.InlineSystemPolicy;
import dev.tolk.core.translate.PdfPolicy;
import dev.tolk.core.translate.ReasoningStyle;
import dev.tolk.core.translate.TranslationOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link GatewayConfig} from, in order of precedence: command-line flags &gt; environment &gt; YAML file
 * &gt; defaults. Records where each value came from, for {@code tolk config}. The upstream URL can only come from
 * here — the operator's configuration — never from a request.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>YAML key</th><th>flag</th><th>environment</th><th>default</th></tr>
 *   <tr><td>host</td><td>--host</td><td>TOLK_HOST</td><td>127.0.0.1</td></tr>
 *   <tr><td>port</td><td>--port</td><td>TOLK_PORT</td><td>8484</td></tr>
 *   <tr><td>upstream (one URL) or upstreams (a list of URLs or of {url, name, protocol, api-key-env, weight,
 *       models})</td><td>--upstream (repeatable)</td><td>VLLM_BASE_URL (comma list)</td>
 *       <td>http://localhost:8000</td></tr>
 *   <tr><td>routing</td><td>--routing</td><td>—</td><td>bounded-affinity</td></tr>
 *   <tr><td>load-bound</td><td>--load-bound</td><td>—</td><td>1.25</td></tr>
 *   <tr><td>failover-retries</td><td>—</td><td>—</td><td>1</td></tr>
 *   <tr><td>thread-memory-mib</td><td>—</td><td>—</td><td>256</td></tr>
 *   <tr><td>health-probe-seconds</td><td>—</td><td>—</td><td>2</td></tr>
 *   <tr><td>upstream-api-key</td><td>—</td><td>VLLM_API_KEY, else OPENAI_API_KEY</td><td>none</td></tr>
 *   <tr><td>model</td><td>--model</td><td>ANTHROPIC_MODEL</td><td>the upstream's first model</td></tr>
 *   <tr><td>models (list of {match, upstream})</td><td>--map GLOB=MODEL</td><td>—</td><td>none</td></tr>
 *   <tr><td>max-model-len (map)</td><td>--max-model-len MODEL=N</td><td>—</td><td>from /v1/models</td></tr>
 *   <tr><td>api-keys</td><td>--api-key</td><td>TOLK_API_KEYS (comma list)</td><td>none</td></tr>
 *   <tr><td>admin-key (the admin API and the dashboard)</td><td>--admin-key</td><td>TOLK_ADMIN_KEY</td>
 *       <td>none: open on loopback, refused elsewhere</td></tr>
 *   <tr><td>db (a SQLite file or a postgresql:// URL)</td><td>--db</td><td>TOLK_DB_URL</td><td>the default store</td></tr>
 *   <tr><td>allow-unauthenticated</td><td>--allow-unauthenticated</td><td>—</td><td>false</td></tr>
 *   <tr><td>reasoning-style</td><td>--reasoning-style</td><td>TOLK_REASONING_STYLE</td><td>auto</td></tr>
 *   <tr><td>inline-system</td><td>--inline-system</td><td>—</td><td>fold-into-user</td></tr>
 *   <tr><td>pdf</td><td>--pdf</td><td>—</td><td>reject</td></tr>
 *   <tr><td>text-tool-calls</td><td>--text-tool-calls</td><td>—</td><td>true</td></tr>
 *   <tr><td>replay-thinking</td><td>—</td><td>—</td><td>true</td></tr>
 *   <tr><td>ping-interval-seconds</td><td>--ping-interval</td><td>—</td><td>5</td></tr>
 *   <tr><td>max-body-bytes</td><td>—</td><td>—</td><td>33554432 (32 MiB)</td></tr>
 *   <tr><td>log-bodies</td><td>--log-bodies</td><td>—</td><td>false</td></tr>
 *   <tr><td>shutdown-grace-seconds</td><td>—</td><td>—</td><td>10</td></tr>
 *   <tr><td>header-timeout-seconds (a client's request headers, an idle client connection)</td><td>—</td><td>—</td><td>30</td></tr>
 *   <tr><td>connect-timeout-seconds</td><td>—</td><td>—</td><td>5</td></tr>
 *   <tr><td>upstream-timeout-seconds (longest upstream silence: before headers, between chunks)</td><td>—</td><td>—</td><td>600</td></tr>
 *   <tr><td>upstream-head-timeout-seconds (longest wait for a stream's response head; then failover)</td><td>—</td><td>—</td><td>30</td></tr>
 * </table>
 */
public final class ConfigLoader {
    /** YAML is read through the shared {@link Json#MAPPER}: only the parser differs. */
    private static final YAMLFactory YAML = new YAMLFactory();
    static final Set<String> YAML_KEYS = Set.of("host", "port", "upstream", "upstream-api-key", "model", "models",
            "max-model-len", "api-keys", "allow-unauthenticated", "reasoning-style", "inline-system", "pdf",
            "text-tool-calls", "replay-thinking", "ping-interval-seconds", "max-body-bytes", "log-bodies",
            "shutdown-grace-seconds", "connect-timeout-seconds", "upstream-timeout-seconds",
            "upstream-head-timeout-seconds", "header-timeout-seconds",
            "upstreams", "routing", "load-bound", "failover-retries", "health-probe-seconds",
            "thread-memory-mib", "admin-key", "db", "queue-wait-seconds", "fair-queue");
    private static final Set<String> UPSTREAM_KEYS = Set.of("url", "name", "protocol", "api-key-env", "weight",
            "models", "capacity", "priority-scheduling");

    /**
     * Values given on the command line; null means "not given". {@code upstream} is one URL or several separated
     * by commas (the repeated {@code --upstream} flag).
     */
    public record Flags(String host, Integer port, String upstream, String model, List<String> maps,
                        List<String> maxModelLen, List<String> apiKeys, Boolean allowUnauthenticated,
                        String reasoningStyle, String inlineSystem, String pdf, Boolean textToolCalls,
                        Integer pingIntervalSeconds, Boolean logBodies, Path config, String routing,
                        Double loadBound, String adminKey, String db, Integer queueWaitSeconds) {
        public static Flags none() {
            return new Flags(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null);
        }
    }

    /** The configuration and, per setting, where its value came from (flag, env NAME, file, default). */
    public record Loaded(GatewayConfig config, Map<String, String> sources, List<String> warnings) {}

    private final Map<String, String> env;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    public ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    public Loaded load(Flags f) throws ConfigException {
        JsonNode file = f.config() == null ? null : readYaml(f.config());
        String host = pick("host", f.host(), "TOLK_HOST", file, GatewayConfig.DEFAULT_HOST);
        int port = parseInt("port", pick("port", f.port() == null ? null : f.port().toString(), "TOLK_PORT", file,
                Integer.toString(GatewayConfig.DEFAULT_PORT)));
        if (file != null && file.has("upstream") && file.has("upstreams")) {
            throw new ConfigException("give either 'upstream' (one URL) or 'upstreams' (a list), not both");
        }
        String upstreamText = f.upstream() != null || file == null || !file.has("upstreams")
                || env.get("VLLM_BASE_URL") != null && !env.get("VLLM_BASE_URL").isEmpty()
                ? pick("upstream", f.upstream(), "VLLM_BASE_URL", file, "http://localhost:8000") : null;
        boolean sim = "sim".equals(upstreamText);
        String key = firstNonEmpty(env.get("VLLM_API_KEY"), env.get("OPENAI_API_KEY"));
        if (key != null) {
            sources.put("upstream-api-key", env.get("VLLM_API_KEY") != null ? "env VLLM_API_KEY" : "env OPENAI_API_KEY");
        } else if (file != null && file.hasNonNull("upstream-api-key")) {
            key = file.get("upstream-api-key").asText();
            sources.put("upstream-api-key", "file");
        } else {
            sources.put("upstream-api-key", "default");
        }
        String model = pick("model", f.model(), "ANTHROPIC_MODEL", file, null);
        List<ModelRoute> routes = routes(f, file);
        Map<String, Integer> lens = maxModelLen(f, file);
        List<String> keys = apiKeys(f, file);
        boolean allowUnauth = parseBool("allow-unauthenticated", pick("allow-unauthenticated",
                f.allowUnauthenticated() == null ? null : f.allowUnauthenticated().toString(), null, file, "false"));
        TranslationOptions t = TranslationOptions.defaults()
                .withReasoningStyle(parseEnum("reasoning-style", ReasoningStyle.class,
                        pick("reasoning-style", f.reasoningStyle(), "TOLK_REASONING_STYLE", file, "auto")))
                .withInlineSystem(parseEnum("inline-system", InlineSystemPolicy.class,
                        pick("inline-system", f.inlineSystem(), null, file, "fold-into-user")))
                .withPdf(parseEnum("pdf", PdfPolicy.class, pick("pdf", f.pdf(), null, file, "reject")))
                .withRecoverTextToolCalls(parseBool("text-tool-calls", pick("text-tool-calls",
                        f.textToolCalls() == null ? null : f.textToolCalls().toString(), null, file, "true")))
                .withReplayThinking(parseBool("replay-thinking", pick("replay-thinking", null, null, file, "true")));
        int ping = parseInt("ping-interval-seconds", pick("ping-interval-seconds",
                f.pingIntervalSeconds() == null ? null : f.pingIntervalSeconds().toString(), null, file, "5"));
        long maxBody = Long.parseLong(pick("max-body-bytes", null, null, file,
                Long.toString(GatewayConfig.DEFAULT_MAX_BODY_BYTES)));
        boolean logBodies = parseBool("log-bodies", pick("log-bodies",
                f.logBodies() == null ? null : f.logBodies().toString(), null, file, "false"));
        int grace = parseInt("shutdown-grace-seconds", pick("shutdown-grace-seconds", null, null, file, "10"));
        int connectTimeout = parseInt("connect-timeout-seconds", pick("connect-timeout-seconds", null, null, file, "5"));
        int upstreamTimeout = parseInt("upstream-timeout-seconds",
                pick("upstream-timeout-seconds", null, null, file, "600"));
        int headTimeout = parseInt("upstream-head-timeout-seconds", pick("upstream-head-timeout-seconds", null, null,
                file, Long.toString(GatewayConfig.DEFAULT_UPSTREAM_HEAD_TIMEOUT.toSeconds())));
        int headerTimeout = parseInt("header-timeout-seconds", pick("header-timeout-seconds", null, null, file, "30"));
        if (ping < 1) {
            throw new ConfigException("ping-interval-seconds must be at least 1");
        }
        if (connectTimeout < 1 || upstreamTimeout < 1 || headTimeout < 1 || headerTimeout < 1) {
            throw new ConfigException("connect-timeout-seconds, upstream-timeout-seconds, upstream-head-timeout-seconds "
                    + "and header-timeout-seconds "
                    + "must be at least 1");
        }
        List<UpstreamConfig> upstreams;
        if (sim) {
            upstreams = List.of(UpstreamConfig.of(URI.create("http://127.0.0.1:0"), key));
        } else if (upstreamText != null) {
            upstreams = new ArrayList<>();
            for (String u : upstreamText.split(",")) {
                if (!u.isBlank()) {
                    if (u.strip().equals("sim")) {
                        throw new ConfigException("'sim' cannot be one of several upstreams");
                    }
                    upstreams.add(UpstreamConfig.of(parseUrl(u), key));
                }
            }
            if (upstreams.isEmpty()) {
                throw new ConfigException("upstream is empty");
            }
        } else {
            upstreams = upstreamList(file.get("upstreams"), key);
            sources.put("upstream", "file");
        }
        checkNames(upstreams);
        RoutingPolicy routing;
        try {
            routing = RoutingPolicy.parse(pick("routing", f.routing(), null, file, "bounded-affinity"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        double loadBound = parseDouble("load-bound", pick("load-bound",
                f.loadBound() == null ? null : f.loadBound().toString(), null, file, "1.25"));
        if (!(loadBound >= 1)) {
            throw new ConfigException("load-bound must be at least 1 (1.25 lets an upstream take 25% over the mean)");
        }
        int failoverRetries = parseInt("failover-retries", pick("failover-retries", null, null, file, "1"));
        int probeSeconds = parseInt("health-probe-seconds", pick("health-probe-seconds", null, null, file, "2"));
        if (failoverRetries < 0 || probeSeconds < 1) {
            throw new ConfigException("failover-retries must be 0 or more and health-probe-seconds at least 1");
        }
        int threadMib = parseInt("thread-memory-mib", pick("thread-memory-mib", null, null, file,
                Long.toString(GatewayConfig.DEFAULT_THREAD_MEMORY_MIB)));
        if (threadMib < 0) {
            throw new ConfigException("thread-memory-mib must be at least 0");
        }
        String adminKey = pick("admin-key", f.adminKey(), "TOLK_ADMIN_KEY", file, null);
        String db = pick("db", f.db(), "TOLK_DB_URL", file, null);
        int queueWait = parseInt("queue-wait-seconds", pick("queue-wait-seconds",
                f.queueWaitSeconds() == null ? null : f.queueWaitSeconds().toString(), null, file,
                Integer.toString(GatewayConfig.DEFAULT_QUEUE_WAIT_SECONDS)));
        if (queueWait < 1) {
            throw new ConfigException("queue-wait-seconds must be at least 1");
        }
        boolean fairQueue = parseBool("fair-queue", pick("fair-queue", null, null, file, "true"));
        GatewayConfig c = GatewayConfig.builder().host(host).port(port).upstreams(upstreams).upstreamSim(sim)
                .upstreamApiKey(key).routing(routing).loadBound(loadBound).failoverRetries(failoverRetries)
                .probeInterval(Duration.ofSeconds(probeSeconds)).defaultModel(model).routes(routes).maxModelLen(lens)
                .apiKeys(keys).allowUnauthenticated(allowUnauth).translation(t)
                .pingInterval(Duration.ofSeconds(ping)).maxBodyBytes(maxBody).logBodies(logBodies)
                .shutdownGrace(Duration.ofSeconds(grace))
                .connectTimeout(Duration.ofSeconds(connectTimeout)).upstreamTimeout(Duration.ofSeconds(upstreamTimeout))
                .upstreamHeadTimeout(Duration.ofSeconds(headTimeout))
                .headerTimeout(Duration.ofSeconds(headerTimeout))
                .threadMemoryBytes((long) threadMib << 20)
                .adminKey(adminKey == null || adminKey.isBlank() ? null : adminKey)
                .database(db == null || db.isBlank() ? null : db)
                .queueWait(Duration.ofSeconds(queueWait)).fairQueue(fairQueue)
                .build();
        return new Loaded(c, Map.copyOf(sources), List.copyOf(warnings));
    }

    /** YAML {@code upstreams:}: URLs, or mappings with {@code url} and the optional keys in {@link #UPSTREAM_KEYS}. */
    private List<UpstreamConfig> upstreamList(JsonNode list, String fleetKey) throws ConfigException {
        if (!list.isArray() || list.isEmpty()) {
            throw new ConfigException("'upstreams' must be a non-empty list of URLs or of {url, name, protocol, "
                    + "api-key-env, weight, models}");
        }
        List<UpstreamConfig> out = new ArrayList<>();
        for (JsonNode u : list) {
            if (u.isTextual()) {
                out.add(UpstreamConfig.of(parseUrl(u.asText()), fleetKey));
                continue;
            }
            if (!u.isObject() || !u.hasNonNull("url")) {
                throw new ConfigException("each entry of 'upstreams' needs 'url'");
            }
            for (Iterator<String> it = u.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!UPSTREAM_KEYS.contains(k)) {
                    throw new ConfigException("unknown setting '" + k + "' in an entry of 'upstreams'; valid: "
                            + String.join(", ", UPSTREAM_KEYS.stream().sorted().toList()));
                }
            }
            URI url = parseUrl(u.get("url").asText());
            String name = u.hasNonNull("name") ? u.get("name").asText() : UpstreamConfig.defaultName(url);
            String protocol = u.hasNonNull("protocol") ? u.get("protocol").asText().strip().toLowerCase(Locale.ROOT)
                    : "openai";
            if (!protocol.equals("openai") && !protocol.equals("anthropic")) {
                throw new ConfigException("upstream " + name + ": protocol must be 'openai' (Chat Completions, "
                        + "translated) or 'anthropic' (Messages API, passed through), got '" + protocol + "'");
            }
            String apiKey = fleetKey;
            if (u.hasNonNull("api-key-env")) {
                String envName = u.get("api-key-env").asText();
                apiKey = env.get(envName);
                if (apiKey == null || apiKey.isEmpty()) {
                    throw new ConfigException("upstream " + name + ": environment variable " + envName
                            + " (its api-key-env) is not set");
                }
            }
            double weight = u.hasNonNull("weight") ? parseDouble("weight of upstream " + name,
                    u.get("weight").asText()) : 1;
            if (!(weight > 0)) {
                throw new ConfigException("upstream " + name + ": weight must be above 0");
            }
            List<String> models = new ArrayList<>();
            if (u.has("models")) {
                u.get("models").forEach(m -> models.add(m.asText()));
            }
            int capacity = u.hasNonNull("capacity") ? parseInt("capacity of upstream " + name,
                    u.get("capacity").asText()) : 0;
            if (capacity < 0) {
                throw new ConfigException("upstream " + name + ": capacity must be 0 (not known) or more");
            }
            boolean prioritySched = u.hasNonNull("priority-scheduling")
                    && parseBool("priority-scheduling of upstream " + name, u.get("priority-scheduling").asText());
            out.add(new UpstreamConfig(name, url, protocol, apiKey, weight, models, capacity, prioritySched));
        }
        return out;
    }

    private static void checkNames(List<UpstreamConfig> upstreams) throws ConfigException {
        Set<String> names = new java.util.HashSet<>();
        for (UpstreamConfig u : upstreams) {
            if (!names.add(u.name())) {
                throw new ConfigException("two upstreams are named " + u.name() + "; give each a distinct 'name'");
            }
        }
    }

    private static double parseDouble(String key, String v) throws ConfigException {
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, got '" + v + "'");
        }
    }

    private JsonNode readYaml(Path path) throws ConfigException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(YAML.createParser(Files.readString(path)));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage());
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return null;
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + path + " must be a YAML mapping of settings");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!YAML_KEYS.contains(k)) {
                throw new ConfigException("unknown setting '" + k + "' in " + path + "; valid settings: "
                        + String.join(", ", YAML_KEYS.stream().sorted().toList()));
            }
        }
        if ((root.has("upstream-api-key") || root.has("api-keys") || root.has("admin-key"))
                && othersCanRead(path)) {
            warnings.add("config file " + path + " holds keys and is readable by other users; run: chmod 600 " + path);
        }
        return root;
    }

    private static boolean othersCanRead(Path path) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
            return p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private String pick(String key, String flag, String envName, JsonNode file, String def) {
        if (flag != null) {
            sources.put(key, "flag");
            return flag;
        }
        if (envName != null && env.get(envName) != null && !env.get(envName).isEmpty()) {
            sources.put(key, "env " + envName);
            return env.get(envName);
        }
        if (file != null && file.hasNonNull(key)) {
            sources.put(key, "file");
            return file.get(key).asText();
        }
        sources.put(key, "default");
        return def;
    }

    private List<ModelRoute> routes(Flags f, JsonNode file) throws ConfigException {
        List<ModelRoute> out = new ArrayList<>();
        if (f.maps() != null && !f.maps().isEmpty()) {
            for (String m : f.maps()) {
                int eq = m.indexOf('=');
                if (eq <= 0 || eq == m.length() - 1) {
                    throw new ConfigException("--map expects GLOB=MODEL, got '" + m + "'");
                }
                out.add(new ModelRoute(m.substring(0, eq), m.substring(eq + 1)));
            }
            sources.put("models", "flag");
        } else if (file != null && file.has("models")) {
            for (JsonNode r : file.get("models")) {
                if (!r.hasNonNull("match") || !r.hasNonNull("upstream")) {
                    throw new ConfigException("each entry of 'models' needs 'match' (a glob) and 'upstream' (a model)");
                }
                out.add(new ModelRoute(r.get("match").asText(), r.get("upstream").asText()));
            }
            sources.put("models", "file");
        } else {
            sources.put("models", "default");
        }
        return out;
    }

    private Map<String, Integer> maxModelLen(Flags f, JsonNode file) throws ConfigException {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (file != null && file.has("max-model-len")) {
            JsonNode m = file.get("max-model-len");
            if (!m.isObject()) {
                throw new ConfigException("'max-model-len' must map model names to token counts");
            }
            for (Map.Entry<String, JsonNode> e : m.properties()) {
                out.put(e.getKey(), parseInt("max-model-len." + e.getKey(), e.getValue().asText()));
            }
        }
        if (f.maxModelLen() != null) {
            for (String m : f.maxModelLen()) {
                int eq = m.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException("--max-model-len expects MODEL=TOKENS, got '" + m + "'");
                }
                out.put(m.substring(0, eq), parseInt("--max-model-len", m.substring(eq + 1)));
            }
        }
        return out;
    }

    private List<String> apiKeys(Flags f, JsonNode file) {
        List<String> out = new ArrayList<>();
        if (f.apiKeys() != null && !f.apiKeys().isEmpty()) {
            out.addAll(f.apiKeys());
            sources.put("api-keys", "flag");
        } else if (env.get("TOLK_API_KEYS") != null && !env.get("TOLK_API_KEYS").isBlank()) {
            for (String k : env.get("TOLK_API_KEYS").split(",")) {
                if (!k.isBlank()) {
                    out.add(k.strip());
                }
            }
            sources.put("api-keys", "env TOLK_API_KEYS");
        } else if (file != null && file.has("api-keys")) {
            file.get("api-keys").forEach(k -> out.add(k.asText()));
            sources.put("api-keys", "file");
        } else {
            sources.put("api-keys", "default");
        }
        return out;
    }

    private static URI parseUrl(String s) throws ConfigException {
        try {
            URI u = URI.create(s.strip());
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            String path = u.getPath() == null ? "" : u.getPath();
            if (path.endsWith("/v1") || path.endsWith("/v1/")) {
                // people paste the OpenAI base URL; Tolk adds /v1/... itself
                path = path.substring(0, path.lastIndexOf("/v1"));
            }
            return new URI(u.getScheme(), u.getUserInfo(), u.getHost(), u.getPort(), path.isEmpty() ? "/" : path + "/",
                    null, null);
        } catch (Exception e) {
            throw new ConfigException("upstream must be an http(s) URL such as http://localhost:8000, got '" + s + "'");
        }
    }

    private static int parseInt(String key, String v) throws ConfigException {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + v + "'");
        }
    }

    private static boolean parseBool(String key, String v) throws ConfigException {
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(key + " must be true or false, got '" + v + "'");
        };
    }

    private static <E extends Enum<E>> E parseEnum(String key, Class<E> type, String v) throws ConfigException {
        String norm = v.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, norm);
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new ConfigException(key + " must be one of " + names + ", got '" + v + "'");
        }
    }

    private static String firstNonEmpty(String a, String b) {
        if (a != null && !a.isEmpty()) {
            return a;
        }
        return b != null && !b.isEmpty() ? b : null;
    }
}
