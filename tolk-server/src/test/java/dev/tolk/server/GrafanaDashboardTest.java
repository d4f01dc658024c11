package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.server.config.UpstreamConfig;
import dev.tolk.sim.SimFault;
import dev.tolk.sim.SimOptions;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/tolk-dashboard.json is importable and queries only what the gateway exposes: every metric name in
 * its PromQL (panel targets and variable queries) is a sample name of a live {@code /metrics} scrape, taken after
 * requests that make every meter exist (streaming and not, an upstream 503, a client that hangs up mid-stream,
 * an unknown field and beta, a request that times out in the fair queue, one refused by its store key's limits),
 * with a single upstream of capacity 1 (so the fair queue exists) and a SQLite store (its keys, counters and ledger).
 */
class GrafanaDashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":20,\"stream\":%s,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello there\"}]%s}";

    @TempDir
    Path dir;

    @Test
    void everyMetricTheDashboardQueriesIsInTheScrape() throws Exception {
        JsonNode dashboard = dashboard();
        List<String> exprs = exprs(dashboard);
        assertThat(exprs).hasSizeGreaterThan(20);
        Set<String> referenced = new TreeSet<>();
        for (String e : exprs) {
            Set<String> names = metricNames(e);
            assertThat(names).as("metric names in %s", e).isNotEmpty();
            referenced.addAll(names);
        }
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> c.toBuilder()
                .database(dir.resolve("tolk.db").toString()).queueWait(Duration.ofSeconds(1))
                .upstreams(List.of(new UpstreamConfig(UpstreamConfig.defaultName(c.upstream()), c.upstream(), "openai",
                        null, 1, List.of(), 1, false))).build())) {
            exercise(f);
            String scrape = f.get("/metrics").body();
            Set<String> exposed = sampleNames(scrape);
            Set<String> missing = new TreeSet<>(referenced);
            missing.removeAll(exposed);
            assertThat(missing).as("metric names the dashboard queries that /metrics does not expose (it has %s)",
                    exposed).isEmpty();
            // the per-upstream series exist with a single configured upstream, labelled with its name
            String upstream = f.sim.baseUri().getHost() + ":" + f.sim.port();
            assertThat(scrape).contains("tolk_upstream_up{upstream=\"" + upstream + "\"} ")
                    .contains("tolk_upstream_requests_total{status=\"503\",upstream=\"" + upstream + "\"}")
                    .contains("tolk_key_refusals_total{reason=\"model\"} 1.0", "tolk_queue_timeouts_total 1.0",
                            "tolk_store_up 1.0", "tolk_store_keys 1.0");
        }
    }

    @Test
    void theDashboardIsAPrometheusDashboardWithADatasourceAndTargetsOnEveryPanel() throws Exception {
        JsonNode d = dashboard();
        assertThat(d.path("uid").asText()).isNotBlank();
        assertThat(d.path("title").asText()).isNotBlank();
        assertThat(d.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(39);
        JsonNode vars = d.path("templating").path("list");
        assertThat(variable(vars, "datasource").path("type").asText()).isEqualTo("datasource");
        assertThat(variable(vars, "datasource").path("query").asText()).isEqualTo("prometheus");
        JsonNode upstream = variable(vars, "upstream");
        assertThat(upstream.path("type").asText()).isEqualTo("query");
        assertThat(upstream.path("definition").asText()).isEqualTo("label_values(tolk_upstream_up, upstream)");
        assertThat(upstream.path("datasource").path("uid").asText()).isEqualTo("${datasource}");

        Set<Integer> ids = new TreeSet<>();
        Set<String> cells = new TreeSet<>();
        int panels = 0;
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
            JsonNode pos = p.path("gridPos");
            for (int y = pos.path("y").asInt(); y < pos.path("y").asInt() + pos.path("h").asInt(); y++) {
                for (int x = pos.path("x").asInt(); x < pos.path("x").asInt() + pos.path("w").asInt(); x++) {
                    assertThat(cells.add(x + "," + y)).as("%s overlaps another panel at %s,%s", p.path("title"), x, y)
                            .isTrue();
                }
            }
            assertThat(pos.path("w").asInt()).as("%s width", p.path("title")).isBetween(1, 24);
            assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as("%s right edge", p.path("title"))
                    .isLessThanOrEqualTo(24);
            assertThat(pos.path("h").asInt()).isPositive();
            if (p.path("type").asText().equals("row")) {
                assertThat(p.path("targets").isMissingNode()).isTrue();
                continue;
            }
            panels++;
            assertThat(p.path("title").asText()).isNotBlank();
            assertThat(p.path("datasource").path("type").asText()).as("%s datasource", p.path("title"))
                    .isEqualTo("prometheus");
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            assertThat(p.path("targets").size()).as("%s targets", p.path("title")).isPositive();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("expr").asText()).isNotBlank();
                assertThat(t.path("refId").asText()).isNotBlank();
                assertThat(t.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            }
        }
        assertThat(panels).isGreaterThanOrEqualTo(15);
    }

    @Test
    void metricNamesAreTheIdentifiersThatAreNeitherFunctionsLabelsNorVariables() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le) (rate(tolk_request_duration_seconds_bucket"
                + "{route=\"/v1/messages\",job=~\"$job\"}[$__rate_interval])))"))
                .containsExactly("tolk_request_duration_seconds_bucket");
        assertThat(metricNames("sum by (upstream) (rate(a_total{upstream=~\"$upstream\"}[5m])) / on (upstream) "
                + "sum(rate(b_total[5m] offset 1h)) by (upstream) > bool 1e3 and vllm:num_requests_running"))
                .containsExactlyInAnyOrder("a_total", "b_total", "vllm:num_requests_running");
        assertThat(metricNames("label_values(tolk_upstream_up, upstream)")).containsExactly("tolk_upstream_up");
        assertThat(metricNames("sum(x{a=\"{b}\"}) without (c) or clamp_min(y, 1)")).containsExactly("x", "y");
    }

    /** Requests that make every meter the dashboard reads exist. */
    private static void exercise(GatewayFixture f) throws Exception {
        assertThat(f.post("/v1/messages", BODY.formatted(false, "")).statusCode()).isEqualTo(200);
        assertThat(f.post("/v1/messages", BODY.formatted(true, "")).statusCode()).isEqualTo(200);
        assertThat(f.post("/v1/messages", BODY.formatted(false, ",\"future_field\":1"), "anthropic-beta",
                "future-beta-2099-01-01").statusCode()).isEqualTo(200);
        f.sim.fault(SimFault.unavailable());
        assertThat(f.post("/v1/messages", BODY.formatted(false, "")).statusCode()).isGreaterThanOrEqualTo(500);
        f.sim.fault(SimFault.none());
        f.sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(200) + "', chunks: 200, chunkDelayMs: 20}}]");
        // while the slow stream fills the upstream's capacity of 1, a request waits in the fair queue and times out
        hangUpMidStream(f, () -> assertThat(f.post("/v1/messages", BODY.formatted(false, "")).statusCode())
                .isEqualTo(529));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.get("/metrics").body().contains("tolk_client_cancellations_total{"));
        // the first store key closes the open loopback gateway: this one may only use models it does not ask for
        HttpResponse<String> created = f.post("/admin/keys", "{\"name\":\"team-a\",\"models\":[\"claude-haiku-*\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String secret = JSON.readTree(created.body()).path("secret").asText();
        assertThat(f.post("/v1/messages", BODY.formatted(false, ""), "x-api-key", secret).statusCode()).isEqualTo(403);
        assertThat(f.tolk.usageLedger().orElseThrow().flush(Duration.ofSeconds(10))).isTrue();
    }

    /**
     * A client that reads the first bytes of a slow stream, runs {@code whileStreaming} and closes its connection.
     */
    private static void hangUpMidStream(GatewayFixture f, ThrowingRunnable whileStreaming) throws Exception {
        String body = BODY.formatted(true, "");
        byte[] request = ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", f.tolk.baseUri().getPort())) {
            s.getOutputStream().write(request);
            InputStream in = s.getInputStream();
            String seen = "";
            byte[] buf = new byte[4096];
            while (!seen.contains("content_block_delta")) {
                int n = in.read(buf);
                assertThat(n).as("stream ended before content: %s", seen).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            whileStreaming.run();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static JsonNode dashboard() throws Exception {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path file = p.resolve("deploy/grafana/tolk-dashboard.json");
            if (Files.isRegularFile(file)) {
                return JSON.readTree(file.toFile());
            }
        }
        throw new AssertionError("deploy/grafana/tolk-dashboard.json not found above " + Path.of("").toAbsolutePath());
    }

    private static JsonNode variable(JsonNode list, String name) {
        for (JsonNode v : list) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no templating variable " + name);
    }

    /** Every PromQL expression: panel targets and query variables. */
    private static List<String> exprs(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            for (JsonNode t : p.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                out.add(v.path("definition").asText());
                out.add(v.path("query").path("query").asText());
            }
        }
        return out;
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    /** Grafana's {@code label_values(series, label)} variable query: the series, without the label it lists. */
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\s*\\((?:(.*),)?\\s*\\w+\\s*\\)\\s*$");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-z]+");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w$.:])[a-zA-Z_:][\\w:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "inf", "nan", "by", "without",
            "on", "ignoring", "group_left", "group_right", "offset");

    /**
     * The metric names a PromQL expression reads: its identifiers less function and aggregation names (followed by
     * an opening parenthesis), label names (inside matchers and groupings, the label a {@code label_values} variable
     * lists), keywords, numbers and variables.
     */
    static Set<String> metricNames(String expr) {
        String e = STRING.matcher(expr).replaceAll("\"\"");
        e = LABEL_VALUES.matcher(e).replaceAll("$1");
        e = MATCHERS.matcher(e).replaceAll(" ");
        e = RANGE.matcher(e).replaceAll(" ");
        e = OFFSET.matcher(e).replaceAll(" ");
        e = GROUPING.matcher(e).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String id = m.group();
            int next = m.end();
            while (next < e.length() && Character.isWhitespace(e.charAt(next))) {
                next++;
            }
            boolean call = next < e.length() && e.charAt(next) == '(';
            if (!call && !KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    /** The sample names of a Prometheus text exposition (comment lines skipped). */
    private static Set<String> sampleNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
