package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./tolk bench --db-variants}: what the store costs a request. One simulator; gateways that differ only in
 * their store — none, a SQLite file, PostgreSQL (when a URL is given) — each writing the usage ledger of every
 * request; and the direct path as the baseline, all in the same run. One at a time (request by request, alternating
 * direct and the variant) and at 50 streams (rounds rotating over the sides after each gateway's warm-up), with the
 * gateway's CPU per request from /proc. Afterwards each gateway's {@code /metrics} says how many ledger rows it wrote
 * and dropped.
 */
final class DbVariantsBench {
    private static final Pattern METRIC = Pattern.compile("(?m)^(tolk_ledger_\\w+) (\\S+)$");

    private DbVariantsBench() {}

    /**
     * A gateway to compare: its {@code --db} (null: the rig's own gateway, which runs without a store), and whether its
     * store holds a key that every request presents (made with {@code tolk keys create} before the gateway starts), so
     * that the request also pays the key check.
     */
    record Variant(String name, String db, boolean withKey) {}

    /**
     * The variants: no store; SQLite files in {@code workDir}, without and with a key; PostgreSQL at
     * {@code postgresUrl} and, with a key, at {@code postgresKeysUrl} (another database: a store's keys concern every
     * request to it), each when given. A variant with a key is left out (and said so) where {@code tolk keys} does not
     * exist.
     */
    static List<Variant> variants(Path workDir, String postgresUrl, String postgresKeysUrl) {
        List<Variant> v = new ArrayList<>();
        v.add(new Variant("no database", null, false));
        v.add(new Variant("SQLite", workDir.resolve("ledger.db").toAbsolutePath().toString(), false));
        v.add(new Variant("SQLite + key", workDir.resolve("keys.db").toAbsolutePath().toString(), true));
        if (postgresUrl != null && !postgresUrl.isBlank()) {
            v.add(new Variant("PostgreSQL", postgresUrl, false));
        }
        if (postgresKeysUrl != null && !postgresKeysUrl.isBlank()) {
            v.add(new Variant("PostgreSQL + key", postgresKeysUrl, true));
        }
        return v;
    }

    static ObjectNode run(BenchSettings settings, Launcher launcher, Path workDir, LoadGenerator gen,
                          List<Variant> variants) throws Exception {
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("loadAverageAtStart", Machine.loadAverage());
        Map<String, ManagedProcess> gateways = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        try (Rig rig = Rig.start(launcher, workDir.resolve("logs"))) {
            int sim = rig.simPort();
            String model = SimControl.firstModel(sim);
            out.put("model", model);
            SimControl.streamText(sim, BenchSettings.STREAM_CHUNKS, 0);
            try {
                Map<String, Endpoint> sides = new LinkedHashMap<>();
                ObjectNode skipped = out.putObject("skipped");
                for (Variant v : variants) {
                    String key = null;
                    if (v.withKey()) {
                        try {
                            key = createKey(launcher, v.db(), workDir.resolve("logs"));
                        } catch (IOException e) {
                            skipped.put(v.name(), e.getMessage());
                            continue;
                        }
                    }
                    int port;
                    if (v.db() == null) { // the rig's gateway: no store, as the default bench runs it
                        port = rig.gatewayPort();
                        gateways.put(v.name(), rig.gateway());
                    } else {
                        port = FreePort.pick();
                        gateways.put(v.name(), rig.startVariantGateway(port, "tolk-" + slug(v.name()) + ".log",
                                List.of("--db", v.db())));
                    }
                    ports.put(v.name(), port);
                    Endpoint e = Endpoint.tolk(port, Requests.simpleAnthropic(model)).named(v.name());
                    sides.put(v.name(), key == null ? e : e.withApiKey(key));
                }
                Endpoint direct = Endpoint.direct(sim, Requests.simpleOpenAi(model));

                Duration window = settings.quick() ? settings.loadWarmup() : BenchSettings.WARMUP_WINDOW;
                int windows = settings.quick() ? 1 : 3;
                // the simulator first (its own JIT), then the gateways window by window in turn, so that none is
                // measured colder than another
                out.put("warmupRequestsPerSecondDirect", Math.round(gen.run(direct, settings.loadConnections(),
                        window).requestsPerSecond()));
                ObjectNode warmup = out.putObject("warmupRequestsPerSecond");
                for (int i = 0; i < windows; i++) {
                    for (Map.Entry<String, Endpoint> e : sides.entrySet()) {
                        ArrayNode rates = warmup.has(e.getKey()) ? (ArrayNode) warmup.get(e.getKey())
                                : warmup.putArray(e.getKey());
                        rates.add(Math.round(gen.run(e.getValue(), settings.loadConnections(), window)
                                .requestsPerSecond()));
                    }
                }
                SimControl.awaitIdle(sim, Duration.ofSeconds(10));

                ObjectNode sequential = out.putObject("sequential");
                for (Map.Entry<String, Endpoint> e : sides.entrySet()) {
                    sequential.set(e.getKey(), SequentialBench.run(direct, e.getValue(),
                            settings.sequentialWarmup() / 4, settings.sequentialRounds() / 2,
                            gateways.get(e.getKey())));
                }

                out.set("concurrent", rotatingRounds(settings, gen, direct, sides, gateways, sim));

                ObjectNode ledger = out.putObject("ledger");
                for (Map.Entry<String, Integer> e : ports.entrySet()) {
                    ObjectNode n = ledger.putObject(e.getKey());
                    Matcher m = METRIC.matcher(SimpleHttp.get(e.getValue(), "/metrics").body());
                    while (m.find()) {
                        n.put(m.group(1), Double.parseDouble(m.group(2)));
                    }
                    // the writer thread's own CPU: the ledger's cost, measured in CPU time, so the machine's load
                    // (other processes on the two cores) does not move it as it moves wall-clock figures
                    long writerCpu = ProcFs.threadCpuMillis(gateways.get(e.getKey()).pid(), "tolk-ledger");
                    if (writerCpu >= 0 && n.path("tolk_ledger_written_total").asDouble() > 0) {
                        n.put("writerCpuMs", writerCpu);
                        n.put("writerCpuMsPerRow", writerCpu / n.path("tolk_ledger_written_total").asDouble());
                    }
                }
            } finally {
                gateways.values().stream().filter(g -> g != rig.gateway()).forEach(ManagedProcess::close);
            }
        }
        out.put("loadAverageAtEnd", Machine.loadAverage());
        return out;
    }

    /** Rounds of 50 streams: in round r the sides go in the order rotated by r, so drift hits every side alike. */
    private static ObjectNode rotatingRounds(BenchSettings settings, LoadGenerator gen, Endpoint direct,
                                             Map<String, Endpoint> variants, Map<String, ManagedProcess> gateways,
                                             int sim) throws IOException, InterruptedException {
        List<Endpoint> order = new ArrayList<>();
        order.add(direct);
        order.addAll(variants.values());
        Map<String, List<LoadResult>> results = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        ArrayNode rounds = BenchJson.MAPPER.createArrayNode();
        for (int r = 0; r < settings.loadRounds(); r++) {
            for (int k = 0; k < order.size(); k++) {
                Endpoint side = order.get((k + r) % order.size());
                ManagedProcess gateway = gateways.get(side.name());
                long cpuBefore = gateway == null ? 0 : gateway.sample().cpuMillis();
                LoadResult res = gen.run(side, settings.loadConnections(), settings.loadRound());
                results.computeIfAbsent(side.name(), x -> new ArrayList<>()).add(res);
                ObjectNode round = rounds.addObject();
                round.put("side", side.name());
                round.put("requestsPerSecond", res.requestsPerSecond());
                round.put("p50Ms", res.p50Ms());
                round.put("p99Ms", res.p99Ms());
                round.put("errors", res.errors());
                if (gateway != null) {
                    double perRequest = res.requests() == 0 ? Double.NaN
                            : (double) (gateway.sample().cpuMillis() - cpuBefore) / res.requests();
                    cpu.computeIfAbsent(side.name(), x -> new ArrayList<>()).add(perRequest);
                    round.put("gatewayCpuMsPerRequest", perRequest);
                }
                SimControl.awaitIdle(sim, Duration.ofSeconds(10));
            }
        }
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("generator", gen.name());
        out.put("connections", settings.loadConnections());
        out.put("secondsPerRound", settings.loadRound().toSeconds());
        for (Map.Entry<String, List<LoadResult>> e : results.entrySet()) {
            ObjectNode n = out.putObject(e.getKey());
            List<LoadResult> l = e.getValue();
            n.put("requestsPerSecond", Stats.median(l.stream().map(LoadResult::requestsPerSecond).toList()));
            n.put("p50Ms", Stats.median(l.stream().map(LoadResult::p50Ms).toList()));
            n.put("p99Ms", Stats.median(l.stream().map(LoadResult::p99Ms).toList()));
            n.put("errors", l.stream().mapToLong(LoadResult::errors).sum());
            n.put("requests", l.stream().mapToLong(LoadResult::requests).sum());
            if (cpu.containsKey(e.getKey())) {
                n.put("gatewayCpuMsPerRequest", Stats.median(cpu.get(e.getKey())));
            }
        }
        out.set("rounds", rounds);
        return out;
    }

    /** The comparison as a Markdown table: direct, then each variant. */
    static String markdown(ObjectNode r) {
        List<String> names = new ArrayList<>();
        r.path("sequential").fieldNames().forEachRemaining(names::add);
        JsonNode seq = r.path("sequential");
        JsonNode conc = r.path("concurrent");
        List<List<String>> rows = new ArrayList<>();
        rows.add(row("one at a time: total (ms)", f("%.3f", seq.path(names.get(0)).path("direct").path("totalMs")),
                names, n -> f("%.3f", seq.path(n).path("tolk").path("totalMs"))));
        rows.add(row("one at a time: gateway CPU per request (ms)", "–", names,
                n -> f("%.3f", seq.path(n).path("gatewayCpuMsPerRequest"))));
        rows.add(row("50 streams: requests/s", f("%,.0f", conc.path("direct").path("requestsPerSecond")), names,
                n -> f("%,.0f", conc.path(n).path("requestsPerSecond"))));
        rows.add(row("50 streams: p50 / p99 (ms)", latency(conc.path("direct")), names,
                n -> latency(conc.path(n))));
        rows.add(row("50 streams: gateway CPU per request (ms)", "–", names,
                n -> f("%.3f", conc.path(n).path("gatewayCpuMsPerRequest"))));
        rows.add(row("50 streams: errors", f("%.0f", conc.path("direct").path("errors")), names,
                n -> f("%.0f", conc.path(n).path("errors"))));
        rows.add(row("ledger writer thread: CPU per row (ms)", "–", names,
                n -> f("%.4f", r.path("ledger").path(n).path("writerCpuMsPerRow"))));
        rows.add(row("ledger rows written / dropped", "–", names, n -> {
            JsonNode l = r.path("ledger").path(n);
            return l.has("tolk_ledger_written_total") ? f("%,.0f", l.path("tolk_ledger_written_total")) + " / "
                    + f("%,.0f", l.path("tolk_ledger_dropped_total")) : "–";
        }));
        StringBuilder sb = new StringBuilder("| measurement | direct | ").append(String.join(" | ", names))
                .append(" |\n|---|---:|").append("---:|".repeat(names.size())).append('\n');
        for (List<String> row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    private static List<String> row(String label, String direct, List<String> names,
                                    java.util.function.Function<String, String> value) {
        List<String> cells = new ArrayList<>();
        cells.add(label);
        cells.add(direct);
        names.forEach(n -> cells.add(value.apply(n)));
        return cells;
    }

    private static String latency(JsonNode n) {
        return n.has("p50Ms") ? f("%.2f", n.path("p50Ms")) + " / " + f("%.1f", n.path("p99Ms")) : "–";
    }

    private static String f(String format, JsonNode v) {
        return v == null || v.isMissingNode() || v.isNull() ? "–"
                : String.format(java.util.Locale.ROOT, format, v.asDouble());
    }

    /** {@code tolk keys create bench --db DB}: the secret is the last line of its standard output. */
    private static String createKey(Launcher launcher, String db, Path logDir) throws IOException {
        java.nio.file.Files.createDirectories(logDir);
        Path log = logDir.resolve("keys-create.log");
        Process p = new ProcessBuilder(launcher.command(List.of("keys", "create", "bench", "--db", db)))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines().filter(l -> !l.isBlank()).toList();
        try {
            if (p.waitFor() != 0 || lines.isEmpty()) {
                throw new IOException("tolk keys create did not make a key (exit " + p.exitValue() + ", " + log + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return lines.get(lines.size() - 1).strip();
    }

    private static String slug(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
