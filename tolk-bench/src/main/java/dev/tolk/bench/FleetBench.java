package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tolk bench fleet}: the same Claude Code sessions replayed through the gateway over a simulated vLLM fleet
 * once per routing policy, beside the ideal, and once more with an instance killed halfway.
 *
 * <ul>
 *   <li><b>Ideal</b>: no gateway and no capacity limit. Every session is pinned to instance {@code session mod n}
 *       (an even spread) of a fleet with unlimited KV blocks and no {@code max-num-seqs}, the client sending the
 *       gateway's own translation of each turn straight to it: every turn finds its whole previous prompt cached and
 *       nothing waits. The limit the policies are measured against.</li>
 *   <li><b>Policies</b>: a fresh gateway with {@code --routing P} over one constrained fleet, reset (cache, stats)
 *       before each. Each instance's KV capacity holds about {@code kvFraction} of the live sessions' prompts:
 *       {@code ⌈kvFraction × concurrency × final prompt tokens / 16⌉} blocks, the final prompt size taken from
 *       the ideal run; with half, an instance can keep the sessions pinned to it but not every session, as
 *       spraying them does.</li>
 *   <li><b>Kill</b>: Tolk's default policy again; when half of the requests have ended, the instance with the most
 *       requests in flight goes {@code down} (port closed, open connections cut, as a dead vLLM) until the end.</li>
 * </ul>
 *
 * <p>Per run: the prefix-cache hit ratio (hit tokens / looked-up tokens over all instances, vLLM's counters), the
 * modelled time to first token (queueing for a sequence slot or KV blocks, measured, plus prefill of the uncached
 * prompt tokens, modelled) of every admitted request, the client's time to the first text delta and the wall-clock
 * time of the whole replay, and the busiest instance's load over the mean, where an instance's load is the number of
 * requests it served.
 */
final class FleetBench {
    static final int IDEAL_KV_BLOCKS = 10_000_000;
    static final String GATEWAY_TEXT = "\"text_delta\"";
    private static final Pattern SESSION = Pattern.compile("Session (\\d+): read");

    private final FleetSettings settings;
    private final Launcher launcher;
    private final Path workDir;
    private final FleetWorkload workload;
    private final ArrayNode harnessErrors;
    private final SessionReplay replay = new SessionReplay();
    private final String scenario;

    FleetBench(FleetSettings settings, Launcher launcher, Path workDir, Path fixturesDir, ArrayNode harnessErrors)
            throws IOException {
        this.settings = settings;
        this.launcher = launcher;
        this.workDir = workDir;
        this.workload = FleetWorkload.fromFixtures(fixturesDir, settings.toolResultChars());
        this.harnessErrors = harnessErrors;
        this.scenario = Scenarios.toolCallReply(settings.shortReplyTokens(), settings.longReplyTokens());
    }

    /** A run that may fail on its own; the others still run. */
    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step s) {
        long t0 = System.nanoTime();
        System.err.printf("bench fleet: %s...%n", name);
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            harnessErrors.add("fleet " + name + ": " + e);
            System.err.printf("bench fleet: %s FAILED: %s%n", name, e);
        }
        System.err.printf("bench fleet: %s done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    ObjectNode run() throws IOException {
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        ObjectNode cfg = out.putObject("settings");
        cfg.put("instances", settings.instances());
        cfg.put("sessions", settings.sessions());
        cfg.put("turns", settings.turns());
        cfg.put("concurrency", settings.concurrency());
        cfg.put("toolResultChars", settings.toolResultChars());
        cfg.put("prefillUsPerToken", settings.prefillMicrosPerToken());
        cfg.put("decodeUsPerToken", settings.decodeMicrosPerToken());
        cfg.put("replyTokensEvenSessions", settings.shortReplyTokens());
        cfg.put("replyTokensOddSessions", settings.longReplyTokens());
        cfg.put("thinkMaxMs", settings.thinkMaxMillis());
        cfg.put("maxNumSeqs", settings.maxNumSeqs());
        cfg.put("kvFraction", settings.kvFraction());
        cfg.put("idealKvBlocks", IDEAL_KV_BLOCKS);
        cfg.put("defaultPolicy", FleetSettings.DEFAULT_POLICY);
        cfg.put("baseFixture", FleetWorkload.BASE_FIXTURE);
        ObjectNode runs = out.putObject("policies");
        int[] kvBlocks = {0};
        step("ideal", () -> {
            ObjectNode ideal = ideal();
            runs.set("ideal", ideal);
            double finalTokens = ideal.path("promptTokensLastTurnMean").asDouble();
            cfg.put("promptTokensFirstTurnMean", ideal.path("promptTokensFirstTurnMean").asDouble());
            cfg.put("promptTokensLastTurnMean", finalTokens);
            kvBlocks[0] = (int) Math.ceil(settings.kvFraction() * settings.concurrency() * finalTokens / 16);
        });
        if (kvBlocks[0] == 0) {
            return out; // the capacity comes from the ideal run; without it the comparison means nothing
        }
        cfg.put("kvBlocks", kvBlocks[0]);
        SimFleetProcess.CostModel cost = new SimFleetProcess.CostModel(settings.prefillMicrosPerToken(),
                settings.decodeMicrosPerToken(), settings.maxNumSeqs(), kvBlocks[0]);
        try (SimFleetProcess fleet = SimFleetProcess.start(launcher, settings.instances(), cost,
                workDir.resolve("logs").resolve("sim-fleet.log"))) {
            step("warm-up", () -> warmUpSimulator(fleet));
            for (String policy : settings.policies()) {
                step(policy, () -> runs.set(policy, throughGateway(fleet, policy, false)));
            }
            step("kill", () -> out.set("kill", throughGateway(fleet, FleetSettings.DEFAULT_POLICY, true)));
        }
        return out;
    }

    private ObjectNode ideal() throws Exception {
        SimFleetProcess.CostModel unlimited = new SimFleetProcess.CostModel(settings.prefillMicrosPerToken(),
                settings.decodeMicrosPerToken(), 0, IDEAL_KV_BLOCKS);
        try (SimFleetProcess fleet = SimFleetProcess.start(launcher, settings.instances(), unlimited,
                workDir.resolve("logs").resolve("sim-ideal.log"))) {
            String model = SimControl.firstModel(fleet.port(0));
            SessionReplay.Target direct = (s, t) -> new SessionReplay.Call(
                    uri(fleet.port(s % fleet.size()), "/v1/chat/completions"),
                    DirectTranslation.toOpenAi(workload.request(s, t), model), List.of(),
                    Endpoint.bytes("\"content\":\""), Endpoint.bytes("data: [DONE]"),
                    Endpoint.bytes("data: {\"error\""));
            fleet.resetAll(scenario);
            warmUp(direct);
            fleet.resetAll(scenario);
            SessionReplay.Result r = replay.run(direct, settings.sessions(), settings.turns(),
                    settings.concurrency(), settings::thinkMillis, null);
            ObjectNode summary = summary(r, allStats(fleet));
            summary.put("route", "direct, session mod " + fleet.size() + ", unlimited KV, no max-num-seqs");
            placement(summary, r, fleet);
            return summary;
        }
    }

    /** One policy (or the kill run) through a fresh gateway over the constrained fleet, reset first. */
    private ObjectNode throughGateway(SimFleetProcess fleet, String policy, boolean kill) throws Exception {
        fleet.resetAll(scenario);
        int port = FreePort.pick();
        List<String> args = new ArrayList<>(List.of("serve"));
        for (int p : fleet.ports()) {
            args.add("--upstream");
            args.add("http://127.0.0.1:" + p);
        }
        args.addAll(List.of("--routing", policy, "--port", String.valueOf(port), "--db", "none"));
        String log = "tolk-fleet-" + policy + (kill ? "-kill" : "") + ".log";
        try (ManagedProcess gateway = ManagedProcess.start(launcher.command(args), workDir.resolve("logs").resolve(log),
                line -> line.contains(Rig.READY_PREFIX))) {
            gateway.awaitReady(Duration.ofSeconds(60));
            SessionReplay.Target target = (s, t) -> new SessionReplay.Call(uri(port, "/v1/messages"),
                    workload.request(s, t), List.of("anthropic-version", "2023-06-01", "x-api-key", "bench",
                    "x-claude-code-session-id", FleetWorkload.sessionId(s)),
                    Endpoint.bytes(GATEWAY_TEXT), Endpoint.bytes("event: message_stop"),
                    Endpoint.bytes("event: error"));
            warmUp(target);
            fleet.resetAll(scenario);
            AtomicReference<Object> killed = new AtomicReference<>();
            Runnable halfway = !kill ? null : () -> killed.set(killBusiest(fleet));
            SessionReplay.Result r = replay.run(target, settings.sessions(), settings.turns(), settings.concurrency(),
                    settings::thinkMillis, halfway);
            ObjectNode summary;
            if (kill) {
                if (killed.get() instanceof Killed k) {
                    fleet.fault(k.instance(), "none"); // back up, so its stats can be read
                }
                summary = summary(r, allStats(fleet));
                killSummary(summary, r, killed.get());
            } else {
                summary = summary(r, allStats(fleet));
            }
            summary.put("policy", policy);
            placement(summary, r, fleet);
            summary.put("gatewayCpuSeconds", gateway.sample().cpuMillis() / 1000.0);
            return summary;
        }
    }

    /** Takes down the instance with the most requests in flight: {@link Killed}, or the exception that stopped it. */
    private Object killBusiest(SimFleetProcess fleet) {
        try {
            int busiest = 0;
            long most = -1;
            for (int i = 0; i < fleet.size(); i++) {
                long active = fleet.stats(i).path("active").asLong();
                if (active > most) {
                    most = active;
                    busiest = i;
                }
            }
            fleet.fault(busiest, "down");
            System.err.printf("bench fleet: instance %d (%d requests in flight) is down%n", busiest, most);
            return new Killed(busiest, most);
        } catch (IOException | RuntimeException e) {
            return e;
        }
    }

    /** The instance taken down and the requests it had in flight then. */
    private record Killed(int instance, long active) {}

    private void killSummary(ObjectNode summary, SessionReplay.Result r, Object killed) {
        if (!(killed instanceof Killed)) {
            harnessErrors.add("fleet kill: the instance was not taken down: " + killed);
        }
        summary.put("killedInstance", killed instanceof Killed k ? k.instance() : -1);
        summary.put("requestsOnKilledInstance", killed instanceof Killed k ? k.active() : -1);
        summary.put("killedAtSeconds", r.actionAtNanos() / 1e9);
        long inFlight = r.outcomes().stream().filter(o -> o.startNanos() <= r.actionAtNanos()
                && o.startNanos() + o.totalNanos() >= r.actionAtNanos()).count();
        summary.put("requestsInFlightAtKill", inFlight);
    }

    /**
     * Requests on sessions outside the workload (ids from 1,000,000 on) so the JIT has compiled the gateway's and
     * the simulator's request path before the measured replay; the caller resets the fleet afterwards.
     */
    private void warmUp(SessionReplay.Target target) throws InterruptedException {
        if (settings.quick()) {
            return;
        }
        SessionReplay.Target offset = (s, t) -> target.call(1_000_000 + s, t);
        replay.run(offset, settings.concurrency(), 2, settings.concurrency(), (s, t) -> 0, null);
    }

    private void warmUpSimulator(SimFleetProcess fleet) throws Exception {
        if (settings.quick()) {
            return;
        }
        String model = SimControl.firstModel(fleet.port(0));
        fleet.resetAll(scenario);
        warmUp((s, t) -> new SessionReplay.Call(uri(fleet.port(s % fleet.size()), "/v1/chat/completions"),
                DirectTranslation.toOpenAi(workload.request(s, t), model), List.of(),
                Endpoint.bytes("\"content\":\""), Endpoint.bytes("data: [DONE]"), Endpoint.bytes("data: {\"error\"")));
    }

    /**
     * Where each turn was served, from the instances' request logs: the session is named in its first user message,
     * the turn is one more than its tool results. Session → turn → instance.
     */
    static Map<Integer, TreeMap<Integer, Integer>> servedBy(SimFleetProcess fleet) throws IOException {
        Map<Integer, TreeMap<Integer, Integer>> where = new HashMap<>();
        for (int i = 0; i < fleet.size(); i++) {
            for (JsonNode entry : fleet.requests(i)) {
                JsonNode body = entry.path("body");
                if (!"/v1/chat/completions".equals(entry.path("path").asText()) || !body.isObject()) {
                    continue;
                }
                Matcher m = SESSION.matcher(body.path("messages").toString());
                if (!m.find()) {
                    continue;
                }
                int turn = 1;
                for (JsonNode msg : body.path("messages")) {
                    turn += "tool".equals(msg.path("role").asText()) ? 1 : 0;
                }
                where.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TreeMap<>()).put(turn, i);
            }
        }
        return where;
    }

    /**
     * How sessions moved between instances: {@code turnsMoved}, turns served by another instance than the session's
     * turn before (its cache left behind); {@code turnsAwayFromHome}, turns served elsewhere than the instance that
     * served most of the session's turns; and of those, {@code awayWhileHomeHadFreeSlot}: the home instance had fewer
     * than {@code max-num-seqs} requests in flight (as the client saw them) when the turn was sent, so it would not
     * have queued there.
     */
    void placement(ObjectNode summary, SessionReplay.Result r, SimFleetProcess fleet) throws IOException {
        Map<Integer, TreeMap<Integer, Integer>> where = servedBy(fleet);
        int moved = 0;
        int away = 0;
        int awayFree = 0;
        Map<Integer, Integer> home = new HashMap<>();
        for (Map.Entry<Integer, TreeMap<Integer, Integer>> e : where.entrySet()) {
            Integer before = null;
            int[] count = new int[fleet.size()];
            for (int instance : e.getValue().values()) {
                moved += before != null && before != instance ? 1 : 0;
                before = instance;
                count[instance]++;
            }
            int best = 0;
            for (int i = 1; i < count.length; i++) {
                best = count[i] > count[best] ? i : best;
            }
            home.put(e.getKey(), best);
        }
        for (SessionReplay.Outcome o : r.outcomes()) {
            Integer served = where.getOrDefault(o.session(), new TreeMap<>()).get(o.turn());
            Integer h = home.get(o.session());
            if (served == null || h == null || served.equals(h)) {
                continue;
            }
            away++;
            long busyAtHome = r.outcomes().stream().filter(x -> h.equals(
                    where.getOrDefault(x.session(), new TreeMap<>()).get(x.turn())) && x.startNanos() <= o.startNanos()
                    && x.startNanos() + x.totalNanos() > o.startNanos()).count();
            awayFree += settings.maxNumSeqs() > 0 && busyAtHome < settings.maxNumSeqs() ? 1 : 0;
        }
        summary.put("turnsMoved", moved);
        summary.put("turnsAwayFromHome", away);
        summary.put("awayWhileHomeHadFreeSlot", awayFree);
    }

    private static JsonNode[] allStats(SimFleetProcess fleet) throws IOException {
        JsonNode[] stats = new JsonNode[fleet.size()];
        for (int i = 0; i < stats.length; i++) {
            stats[i] = fleet.stats(i);
        }
        return stats;
    }

    /** The client's and the simulator's view of one replay (see the class comment for the definitions). */
    ObjectNode summary(SessionReplay.Result r, JsonNode[] stats) {
        ObjectNode n = BenchJson.MAPPER.createObjectNode();
        List<SessionReplay.Outcome> outcomes = r.outcomes();
        n.put("requests", outcomes.size());
        n.put("errors", outcomes.stream().filter(o -> !o.ok()).count());
        n.put("errorsBeforeContent", outcomes.stream().filter(o -> !o.ok() && !o.textSeen()).count());
        n.put("errorsAfterHeadBeforeContent", outcomes.stream().filter(SessionReplay.Outcome::brokenAfterHead).count());
        n.put("errorsWhileFlowing", outcomes.stream().filter(SessionReplay.Outcome::brokenWhileFlowing).count());
        ArrayNode examples = n.putArray("errorExamples");
        outcomes.stream().filter(o -> !o.ok()).limit(5).forEach(o -> examples.add("session " + o.session()
                + " turn " + o.turn() + (o.textSeen() ? " (text had arrived): " : ": ") + o.error()));
        n.put("wallSeconds", r.seconds());
        double[] firstText = outcomes.stream().filter(o -> o.firstTextNanos() >= 0)
                .mapToDouble(o -> o.firstTextNanos() / 1e6).toArray();
        n.set("clientFirstTextMs", percentiles(firstText));

        long queries = 0;
        long hits = 0;
        List<Double> ttft = new ArrayList<>();
        List<Double> queued = new ArrayList<>();
        List<Double> prompts = new ArrayList<>();
        ArrayNode perInstance = n.putArray("instances");
        double[] served = new double[stats.length];
        for (int i = 0; i < stats.length; i++) {
            JsonNode s = stats[i];
            queries += s.path("prefixCacheQueries").asLong();
            hits += s.path("prefixCacheHits").asLong();
            long prompt = 0;
            long cached = 0;
            for (JsonNode t : s.path("timings")) {
                ttft.add(t.path("ttftMicros").asDouble() / 1000);
                queued.add(t.path("queuedMicros").asDouble() / 1000);
                prompts.add(t.path("promptTokens").asDouble());
                prompt += t.path("promptTokens").asLong();
                cached += t.path("cachedTokens").asLong();
            }
            served[i] = s.path("timings").size();
            ObjectNode inst = perInstance.addObject();
            inst.put("requests", s.path("timings").size());
            inst.put("promptTokens", prompt);
            inst.put("uncachedTokens", prompt - cached);
            inst.put("aborted", s.path("aborted").asLong());
        }
        n.put("prefixCacheQueries", queries);
        n.put("prefixCacheHits", hits);
        n.put("hitRatio", queries == 0 ? Double.NaN : (double) hits / queries);
        n.set("modelledTtftMs", percentiles(ttft.stream().mapToDouble(Double::doubleValue).toArray()));
        n.set("queuedMs", percentiles(queued.stream().mapToDouble(Double::doubleValue).toArray()));
        double mean = Arrays.stream(served).average().orElse(Double.NaN);
        n.put("busiestOverMean", mean > 0 ? Arrays.stream(served).max().orElse(0) / mean : Double.NaN);
        double[] sortedPrompts = prompts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int k = Math.min(settings.sessions(), sortedPrompts.length);
        if (k > 0) {
            // each session's first turn is its smallest prompt and its last its largest
            n.put("promptTokensFirstTurnMean", Arrays.stream(sortedPrompts, 0, k).average().orElse(0));
            n.put("promptTokensLastTurnMean",
                    Arrays.stream(sortedPrompts, sortedPrompts.length - k, sortedPrompts.length).average().orElse(0));
        }
        return n;
    }

    private static ObjectNode percentiles(double[] v) {
        ObjectNode p = BenchJson.MAPPER.createObjectNode();
        p.put("samples", v.length);
        p.put("p50", Stats.percentile(v, 50));
        p.put("p90", Stats.percentile(v, 90));
        p.put("p99", Stats.percentile(v, 99));
        return p;
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
