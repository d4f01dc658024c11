package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code tolk bench fleet --fairness}: does one key's twenty agents starve four colleagues with one session each?
 * The same small sessions are replayed three times through a fresh gateway over the same simulated fleet (reset
 * before each):
 *
 * <ul>
 *   <li><b>idle</b>: the small keys alone: their time to first token on a fleet with room;</li>
 *   <li><b>first come, first served</b> ({@code fair-queue: false}): beside the big key's sessions, every request goes
 *       to an upstream at once and waits in vLLM's own queue, in arrival order;</li>
 *   <li><b>fair sharing</b> ({@code fair-queue: true}, Tolk's default): while every upstream is at its capacity,
 *       requests wait in the gateway and are released round-robin across keys.</li>
 * </ul>
 *
 * <p>Each key is one of the gateway's static {@code api-keys} (priority 1 each); the upstreams are given their
 * {@code capacity} (= the simulator's {@code max-num-seqs}). The figure is each run's small keys' client time to the
 * first text delta (p50, p90), against the idle run's; the target is p90 within 2× of idle.
 */
final class FairnessBench {
    private final FairnessSettings settings;
    private final Launcher launcher;
    private final Path workDir;
    private final FleetWorkload workload;
    private final ArrayNode harnessErrors;
    private final SessionReplay replay = new SessionReplay();
    private final String scenario;

    FairnessBench(FairnessSettings settings, Launcher launcher, Path workDir, Path fixturesDir,
                  ArrayNode harnessErrors) throws IOException {
        this.settings = settings;
        this.launcher = launcher;
        this.workDir = workDir;
        this.workload = FleetWorkload.fromFixtures(fixturesDir, settings.toolResultChars());
        this.harnessErrors = harnessErrors;
        this.scenario = Scenarios.toolCallReply(settings.shortReplyTokens(), settings.longReplyTokens());
    }

    ObjectNode run() throws IOException {
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        ObjectNode cfg = out.putObject("settings");
        cfg.put("instances", settings.instances());
        cfg.put("maxNumSeqs", settings.maxNumSeqs());
        cfg.put("capacity", settings.capacity());
        cfg.put("bigSessions", settings.bigSessions());
        cfg.put("smallKeys", settings.smallKeys());
        cfg.put("smallTurns", settings.smallTurns());
        cfg.put("prefillUsPerToken", settings.prefillMicrosPerToken());
        cfg.put("decodeUsPerToken", settings.decodeMicrosPerToken());
        cfg.put("thinkMaxMs", settings.thinkMaxMillis());
        ObjectNode runs = out.putObject("runs");
        SimFleetProcess.CostModel cost = new SimFleetProcess.CostModel(settings.prefillMicrosPerToken(),
                settings.decodeMicrosPerToken(), settings.maxNumSeqs(), FleetBench.IDEAL_KV_BLOCKS);
        try (SimFleetProcess fleet = SimFleetProcess.start(launcher, settings.instances(), cost,
                workDir.resolve("logs").resolve("sim-fairness.log"))) {
            for (String mode : List.of("idle", "first-come-first-served", "fair")) {
                long t0 = System.nanoTime();
                System.err.printf("bench fleet fairness: %s...%n", mode);
                try {
                    runs.set(mode, run(fleet, mode));
                } catch (Exception | AssertionError e) {
                    harnessErrors.add("fairness " + mode + ": " + e);
                    System.err.printf("bench fleet fairness: %s FAILED: %s%n", mode, e);
                }
                System.err.printf("bench fleet fairness: %s done in %.1f s%n", mode, (System.nanoTime() - t0) / 1e9);
            }
        }
        return out;
    }

    private static String key(String who) {
        return "bench-key-" + who;
    }

    /** The gateway's configuration: the fleet with its capacities, the keys, the fair queue on or off. */
    private Path config(SimFleetProcess fleet, boolean fair) throws IOException {
        StringBuilder y = new StringBuilder("upstreams:\n");
        for (int p : fleet.ports()) {
            y.append("  - {url: \"http://127.0.0.1:").append(p).append("\", capacity: ").append(settings.maxNumSeqs())
                    .append("}\n");
        }
        y.append("api-keys: [\"").append(key("big")).append('"');
        for (int i = 0; i < settings.smallKeys(); i++) {
            y.append(", \"").append(key("small-" + i)).append('"');
        }
        y.append("]\nfair-queue: ").append(fair).append("\nqueue-wait-seconds: 600\n");
        Path file = workDir.resolve("tolk-fairness-" + (fair ? "fair" : "fcfs") + ".yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, y.toString());
        return file;
    }

    private ObjectNode run(SimFleetProcess fleet, String mode) throws Exception {
        fleet.resetAll(scenario);
        boolean withBig = !mode.equals("idle");
        int port = FreePort.pick();
        // --db none: the user's default store (and any keys in it) stays out of the measurement
        List<String> args = List.of("serve", "--config", config(fleet, !mode.equals("first-come-first-served"))
                .toString(), "--port", String.valueOf(port), "--db", "none");
        try (ManagedProcess gateway = ManagedProcess.start(launcher.command(args),
                workDir.resolve("logs").resolve("tolk-fairness-" + mode + ".log"),
                line -> line.contains(Rig.READY_PREFIX))) {
            gateway.awaitReady(Duration.ofSeconds(60));
            // small key i runs session i; the big key's sessions are numbered from 1000 (a new one per round)
            SessionReplay.Target small = (s, t) -> call(port, s, t, key("small-" + s));
            if (!settings.quick()) { // the gateway's and the simulator's request path compiled before measuring
                replay.run((s, t) -> call(port, 2_000_000 + s, t, key("big")), settings.capacity(), 2,
                        settings.capacity(), (s, t) -> 0, null);
                fleet.resetAll(scenario);
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<SessionReplay.Outcome> big = Collections.synchronizedList(new ArrayList<>());
            List<Thread> bigClients = new ArrayList<>();
            long start = System.nanoTime();
            if (withBig) {
                for (int c = 0; c < settings.bigSessions(); c++) {
                    int client = c;
                    bigClients.add(Thread.ofPlatform().name("big-client-" + c).start(() -> {
                        for (int round = 0; !stop.get(); round++) {
                            int session = 1000 + round * settings.bigSessions() + client;
                            for (int t = 1; t <= settings.bigTurns() && !stop.get(); t++) {
                                SimControl.sleep(thinkMillis(session, t));
                                big.add(replay.exchange((s, tt) -> call(port, s, tt, key("big")), session, t, start));
                            }
                        }
                    }));
                }
                Thread.sleep(1000); // the big key has filled the fleet
            }
            SessionReplay.Result r = replay.run(small, settings.smallKeys(), settings.smallTurns(),
                    settings.smallKeys(), this::thinkMillis, null);
            stop.set(true);
            for (Thread t : bigClients) {
                t.join();
            }
            ObjectNode n = BenchJson.MAPPER.createObjectNode();
            n.set("small", outcomes(r.outcomes()));
            n.set("big", outcomes(big));
            n.put("smallWallSeconds", r.seconds());
            n.put("fairQueue", !mode.equals("first-come-first-served"));
            n.put("gatewayCpuSeconds", gateway.sample().cpuMillis() / 1000.0);
            return n;
        }
    }

    private long thinkMillis(int session, int turn) {
        if (turn <= 1 || settings.thinkMaxMillis() <= 0) {
            return 0;
        }
        return Math.floorMod((session * 0x9E3779B97F4A7C15L) ^ (turn * 0xC2B2AE3D27D4EB4FL), settings.thinkMaxMillis());
    }

    private SessionReplay.Call call(int port, int session, int turn, String key) {
        return new SessionReplay.Call(URI.create("http://127.0.0.1:" + port + "/v1/messages"),
                workload.request(session, turn), List.of("anthropic-version", "2023-06-01", "x-api-key", key,
                "x-claude-code-session-id", FleetWorkload.sessionId(session)),
                Endpoint.bytes(FleetBench.GATEWAY_TEXT), Endpoint.bytes("event: message_stop"),
                Endpoint.bytes("event: error"));
    }

    private static ObjectNode outcomes(List<SessionReplay.Outcome> outcomes) {
        ObjectNode n = BenchJson.MAPPER.createObjectNode();
        n.put("requests", outcomes.size());
        n.put("errors", outcomes.stream().filter(o -> !o.ok()).count());
        ArrayNode examples = n.putArray("errorExamples");
        outcomes.stream().filter(o -> !o.ok()).limit(3).forEach(o -> examples.add("session " + o.session() + " turn "
                + o.turn() + ": status " + o.status() + " " + o.error()));
        double[] ttft = outcomes.stream().filter(o -> o.firstTextNanos() >= 0)
                .mapToDouble(o -> o.firstTextNanos() / 1e6).toArray();
        ObjectNode p = n.putObject("firstTextMs");
        p.put("samples", ttft.length);
        p.put("p50", Stats.percentile(ttft, 50));
        p.put("p90", Stats.percentile(ttft, 90));
        p.put("p99", Stats.percentile(ttft, 99));
        return n;
    }
}
