package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code tolk bench fleet}: routing policies over a simulated vLLM fleet (see {@link FleetBench}). */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Replays Claude Code sessions through Tolk over a simulated 4-instance vLLM fleet once per "
                + "routing policy, beside the ideal, and once with an instance killed halfway.")
final class FleetCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain parent;

    @Option(names = "--quick",
            description = "Smoke check of the harness: a few short sessions (numbers not meaningful).")
    boolean quick;

    @Option(names = "--fairness",
            description = "Only the fairness run: one key with 20 sessions beside four keys with one, the small keys' "
                    + "time to first token idle, first come first served and with Tolk's fair queue.")
    boolean fairness;

    @Option(names = "--results-dir", defaultValue = "bench-results",
            description = "Where fleet-<time>.json and fleet-latest.json go (default: ${DEFAULT-VALUE}).")
    Path resultsDir;

    @Option(names = "--chart",
            description = "PNG chart path (default: docs/bench-fleet.png, or the results dir for --quick).")
    Path chart;

    @Option(names = "--from-json",
            description = "Do not measure: print the table and draw the chart of this result file.")
    Path fromJson;

    @Override
    public Integer call() throws Exception {
        if (fromJson != null) {
            ObjectNode stored = (ObjectNode) BenchJson.MAPPER.readTree(fromJson.toFile());
            FleetChart.write(stored, chartPath());
            System.out.print(FleetTable.markdown(stored));
            return 0;
        }
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        if (fairness) {
            return fairness(stamp);
        }
        ObjectNode result = runAndWrite(stamp);
        System.out.println();
        System.out.print(FleetTable.markdown(result));
        System.out.println();
        System.out.println("load average " + result.path("loadAverageAtStart").asText() + " → "
                + result.path("loadAverageAtEnd").asText());
        System.out.println("results: " + resultsDir.resolve("fleet-" + stamp + ".json")
                + " (and fleet-latest.json); chart: " + chartPath());
        return harnessExit(result);
    }

    /** Runs the fleet bench and writes its JSON and chart; returns the result tree. */
    ObjectNode runAndWrite(String stamp) throws Exception {
        FleetSettings settings = quick ? FleetSettings.quickRun() : FleetSettings.fullRun();
        ObjectNode root = measureAndWrite("fleet", settings.quick(), stamp,
                (launcher, work, errors) -> new FleetBench(settings, launcher, work, parent.fixturesDir(), errors).run());
        FleetChart.write(root, chartPath());
        return root;
    }

    /** One measurement of the fleet's simulated servers: its result under {@code name} in the JSON. */
    @FunctionalInterface
    private interface Measurement {
        JsonNode run(Launcher launcher, Path work, ArrayNode errors) throws Exception;
    }

    /**
     * Runs {@code m} with the machine and its load around it and writes {@code NAME-<stamp>.json} and
     * {@code NAME-latest.json}; returns the result tree.
     */
    private ObjectNode measureAndWrite(String name, boolean quickRun, String stamp, Measurement m) throws Exception {
        Launcher launcher = parent.launcher();
        ObjectNode root = BenchJson.MAPPER.createObjectNode();
        root.put("timestamp", Instant.now().toString());
        root.put("quick", quickRun);
        root.set("machine", Machine.describe(launcher));
        root.put("loadAverageAtStart", Machine.loadAverage());
        ArrayNode errors = root.putArray("harnessErrors");
        root.set(name, m.run(launcher, resultsDir.resolve("work-" + name + "-" + stamp), errors));
        root.put("loadAverageAtEnd", Machine.loadAverage());
        Files.createDirectories(resultsDir);
        BenchJson.MAPPER.writeValue(resultsDir.resolve(name + "-" + stamp + ".json").toFile(), root);
        BenchJson.MAPPER.writeValue(resultsDir.resolve(name + "-latest.json").toFile(), root);
        return root;
    }

    /** 1 when the harness itself failed somewhere (said on standard output), else 0. */
    private static int harnessExit(ObjectNode root) {
        if (!root.path("harnessErrors").isEmpty()) {
            System.out.println("harness errors: " + root.path("harnessErrors"));
            return 1;
        }
        return 0;
    }

    /** {@code --fairness}: the fairness run alone, written to fairness-&lt;time&gt;.json and fairness-latest.json. */
    private int fairness(String stamp) throws Exception {
        ObjectNode root = runFairnessAndWrite(stamp);
        System.out.println();
        System.out.print(FairnessTable.markdown(root));
        System.out.println("load average " + root.path("loadAverageAtStart").asText() + " → "
                + root.path("loadAverageAtEnd").asText());
        return harnessExit(root);
    }

    /** Runs the fairness bench and writes its JSON; returns the result tree. */
    ObjectNode runFairnessAndWrite(String stamp) throws Exception {
        FairnessSettings settings = quick ? FairnessSettings.quickRun() : FairnessSettings.fullRun();
        return measureAndWrite("fairness", settings.quick(), stamp, (launcher, work, errors) ->
                new FairnessBench(settings, launcher, work, parent.fixturesDir(), errors).run());
    }

    private Path chartPath() {
        if (chart != null) {
            return chart;
        }
        return quick ? resultsDir.resolve("bench-fleet.png") : Path.of("docs", "bench-fleet.png");
    }
}
