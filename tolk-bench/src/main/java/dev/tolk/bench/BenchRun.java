package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs every measurement against one simulator and one gateway, in a fixed order, and collects the raw results
 * as one JSON tree. A measurement that fails is recorded under `harnessErrors` and the rest still run.
 */
final class BenchRun {
    private final BenchSettings settings;
    private final Launcher launcher;
    private final Path workDir;
    private final Path fixturesDir;
    private final LoadGenerator generator;
    private final String benchClassPath;
    private final java.util.Set<String> only;
    private final boolean withReference;
    private final ObjectNode root = BenchJson.MAPPER.createObjectNode();
    private final ArrayNode harnessErrors = root.putArray("harnessErrors");

    BenchRun(BenchSettings settings, Launcher launcher, Path workDir, Path fixturesDir, LoadGenerator generator,
             String benchClassPath, java.util.Set<String> only, boolean withReference) {
        this.only = only;
        this.withReference = withReference;
        this.settings = settings;
        this.launcher = launcher;
        this.workDir = workDir;
        this.fixturesDir = fixturesDir;
        this.generator = generator;
        this.benchClassPath = benchClassPath;
    }

    /** A measurement step that may fail on its own. */
    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step s) {
        if (!only.isEmpty() && only.stream().noneMatch(name::startsWith)) {
            return;
        }
        long t0 = System.nanoTime();
        System.err.printf("bench: %s...%n", name);
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            harnessErrors.add(name + ": " + e);
            System.err.printf("bench: %s FAILED: %s%n", name, e);
        }
        System.err.printf("bench: %s done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    ObjectNode run() throws IOException {
        root.put("timestamp", Instant.now().toString());
        root.put("quick", settings.quick());
        root.set("machine", Machine.describe(launcher));
        root.put("loadAverageAtStart", Machine.loadAverage());
        try (Rig rig = Rig.start(launcher, workDir.resolve("logs"))) {
            int sim = rig.simPort();
            String model = SimControl.firstModel(sim);
            root.put("model", model);
            SimControl.streamText(sim, BenchSettings.STREAM_CHUNKS, 0);
            ObjectNode resources = root.putObject("resources");
            resources.put("gatewayReadyMs", rig.gatewayReadyNanos() / 1e6);
            // idle: nothing to do and the JIT done with start-up code (its arenas freed and, with the launcher's
            // flags, trimmed); 0.5 s after the ready line the compiler is still at work
            SimControl.sleep(settings.quick() ? 500 : BenchSettings.IDLE_SETTLE_MILLIS);
            resources.put("gatewayRssIdleAtStartMib", rig.gateway().sample().rssMib());
            resources.put("gatewayRssAnonIdleAtStartMib", rig.gateway().sample().rssAnonMib());

            Endpoint direct = Endpoint.direct(sim, Requests.simpleOpenAi(model));
            Endpoint tolk = Endpoint.tolk(rig.gatewayPort(), Requests.simpleAnthropic(model));
            // under load first: its warm-up is what lets the JIT finish with the gateway (and the simulator), so the
            // one-at-a-time figures that follow are those of a gateway that has been running, not of one starting up
            // (start-up is measured on its own below)
            step("concurrent 200-chunk", () -> root.set("concurrent", concurrentWithReference(direct, tolk, rig)));
            step("sequential 200-chunk", () -> root.set("sequential", SequentialBench.run(direct, tolk,
                    settings.sequentialWarmup(), settings.sequentialRounds(), rig.gateway())));
            step("claude code request", () -> root.set("claudeCode", claudeCode(rig, model)));
            step("idle after load", () -> {
                SimControl.sleep(settings.quick() ? 300 : BenchSettings.IDLE_SETTLE_MILLIS);
                resources.put("gatewayRssIdleAfterLoadMib", rig.gateway().sample().rssMib());
                resources.put("gatewayRssAnonIdleAfterLoadMib", rig.gateway().sample().rssAnonMib());
                resources.put("gatewayHwmMib", rig.gateway().sample().hwmMib());
            });
            step("slow streams", () -> root.set("slowStreams", slowStreams(rig, model)));
            step("startup", () -> {
                SimControl.streamText(sim, BenchSettings.STREAM_CHUNKS, 0);
                root.set("startup", StartupBench.run(rig, tolk, settings.startupRuns()));
            });
        }
        step("jmh", () -> {
            ObjectNode jmh = JmhRunner.run(launcher.java(), benchClassPath, workDir.resolve("jmh"), settings.quick(),
                    fixturesDir);
            root.set("jmh", jmh);
            JsonNode translate = jmh.path("RequestTranslationBench.translateLargestClaudeCodeRequest");
            if (translate.has("score")) {
                int size = Requests.largestClaudeCode(fixturesDir).length;
                ObjectNode derived = root.putObject("jmhDerived");
                derived.put("requestBytes", size);
                derived.put("requestTranslationMBps", translate.path("score").asDouble() * size / 1e6);
                derived.put("requestTranslationAllocPerInputByte", translate.path("allocBytesPerOp").asDouble() / size);
            }
        });
        root.put("loadAverageAtEnd", Machine.loadAverage());
        return root;
    }

    private ObjectNode concurrent(Endpoint direct, Endpoint tolk, Rig rig, LoadBench.Reference reference)
            throws Exception {
        ArrayNode directWarmup = warmUp(direct);
        ArrayNode tolkWarmup = warmUp(tolk);
        if (reference != null) {
            // no JIT to wait for: one window, for the proxy's connections to the simulator to be open
            generator.run(reference.endpoint(), settings.loadConnections(),
                    settings.quick() ? settings.loadWarmup() : BenchSettings.WARMUP_WINDOW);
        }
        SimControl.awaitIdle(rig.simPort(), Duration.ofSeconds(10));
        ObjectNode out = LoadBench.run(generator, direct, tolk, reference, settings.loadConnections(),
                settings.loadRound(), settings.loadRounds(), rig.gateway(), rig.simPort());
        out.set("warmupRequestsPerSecondDirect", directWarmup);
        out.set("warmupRequestsPerSecondTolk", tolkWarmup);
        return out;
    }

    /** The 200-chunk load, with HAProxy as a third side when it is installed and not turned off. */
    private ObjectNode concurrentWithReference(Endpoint direct, Endpoint tolk, Rig rig) throws Exception {
        java.util.Optional<String> name = withReference ? ReferenceProxy.installedVersion() : java.util.Optional.empty();
        if (name.isEmpty()) {
            ObjectNode out = concurrent(direct, tolk, rig, null);
            out.put("referenceSkipped", withReference ? "haproxy is not installed" : "--no-reference");
            return out;
        }
        try (ReferenceProxy proxy = ReferenceProxy.start(rig.simPort(), workDir.resolve("haproxy"))) {
            return concurrent(direct, tolk, rig,
                    new LoadBench.Reference(name.get(), proxy.endpoint(direct.body()), proxy.process()));
        }
    }

    /**
     * Load in windows of {@link BenchSettings#WARMUP_WINDOW} until the JIT is done: at least {@code loadWarmup}, then
     * until a window's rate is within {@link BenchSettings#WARMUP_SETTLED} of the one before, at most
     * {@link BenchSettings#WARMUP_MAX}. On 2 cores next to the load, C2 was still compiling 30-60 s into a fresh
     * gateway's life (6-10 % of its CPU; nothing from 60 s on), so a fixed 30 s measured part of the warm-up. The rate
     * of every window is kept in the results, so the warm-up itself is visible.
     */
    private ArrayNode warmUp(Endpoint endpoint) throws Exception {
        ArrayNode rates = JsonNodeFactory.instance.arrayNode();
        Duration window = settings.quick() ? settings.loadWarmup() : BenchSettings.WARMUP_WINDOW;
        Duration spent = Duration.ZERO;
        double previous = -1;
        while (true) {
            double rate = generator.run(endpoint, settings.loadConnections(), window).requestsPerSecond();
            rates.add(Math.round(rate));
            spent = spent.plus(window);
            boolean settled = previous > 0 && Math.abs(rate - previous) <= BenchSettings.WARMUP_SETTLED * previous;
            if (spent.compareTo(settings.loadWarmup()) >= 0 && (settled || settings.quick())
                    || spent.compareTo(BenchSettings.WARMUP_MAX) >= 0) {
                return rates;
            }
            previous = rate;
        }
    }

    private ObjectNode claudeCode(Rig rig, String model) throws Exception {
        byte[] anthropic = Requests.largestClaudeCode(fixturesDir);
        byte[] openAi = DirectTranslation.toOpenAi(anthropic, model);
        Endpoint direct = Endpoint.direct(rig.simPort(), openAi);
        Endpoint tolk = Endpoint.tolk(rig.gatewayPort(), anthropic);
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.set("sequential", SequentialBench.run(direct, tolk, settings.sequentialWarmup() / 5,
                settings.realisticRounds(), rig.gateway()));
        out.set("concurrent", concurrent(direct, tolk, rig, null));
        return out;
    }

    private ObjectNode slowStreams(Rig rig, String model) throws Exception {
        int sim = rig.simPort();
        long limit = ProcFs.openFilesLimit();
        // the gateway holds two sockets per stream (client and upstream) within the same per-process limit
        int streams = limit > 0 ? (int) Math.min(settings.slowStreams(), (limit - 300) / 2) : settings.slowStreams();
        long rampAndHoldMs = (long) streams * 1000 / settings.slowOpenPerSecond() + settings.slowHold().toMillis();
        int chunks = (int) (rampAndHoldMs / BenchSettings.SLOW_INTERVAL_MILLIS) + 30;
        SimControl.streamText(sim, chunks, BenchSettings.SLOW_INTERVAL_MILLIS);
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("openFilesLimit", limit);
        out.put("requested", settings.slowStreams());
        out.put("chunkIntervalMs", BenchSettings.SLOW_INTERVAL_MILLIS);
        out.set("direct", SlowStreamsBench.run(Endpoint.direct(sim, Requests.simpleOpenAi(model)), streams,
                settings.slowOpenPerSecond(), settings.slowHold(), null, sim));
        out.set("tolk", SlowStreamsBench.run(Endpoint.tolk(rig.gatewayPort(), Requests.simpleAnthropic(model)),
                streams, settings.slowOpenPerSecond(), settings.slowHold(), rig.gateway(), sim));
        SimControl.streamText(sim, BenchSettings.STREAM_CHUNKS, 0);
        return out;
    }

    static void write(ObjectNode root, Path resultsDir, String stamp) throws IOException {
        Files.createDirectories(resultsDir);
        BenchJson.MAPPER.writeValue(resultsDir.resolve(stamp + ".json").toFile(), root);
        BenchJson.MAPPER.writeValue(resultsDir.resolve("latest.json").toFile(), root);
    }
}
