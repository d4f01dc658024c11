package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Draws docs/bench-fleet.png from a fleet result: one bar per run in each panel, and the kill run. */
final class FleetChart {
    private FleetChart() {}

    static void write(JsonNode root, Path png) throws IOException {
        JsonNode cfg = root.path("fleet").path("settings");
        String subtitle = cfg.path("sessions").asInt() + " sessions × " + cfg.path("turns").asInt() + " turns, "
                + cfg.path("concurrency").asInt() + " at a time, " + cfg.path("instances").asInt() + " instances of "
                + cfg.path("kvBlocks").asInt() + " KV blocks; bounded = bounded-affinity (Tolk's default); ideal = "
                + "pinned, unlimited KV; " + BenchChart.stamp(root);
        BenchChart.writePanels(png, "Tolk over a simulated vLLM fleet: routing policies on the same Claude Code sessions",
                subtitle, panels(root), (g, width) -> { });
    }

    static List<BenchChart.Panel> panels(JsonNode root) {
        JsonNode runs = root.path("fleet").path("policies");
        List<String> names = new ArrayList<>();
        runs.fieldNames().forEachRemaining(names::add);
        String[] labels = names.stream().map(FleetChart::shortName).toArray(String[]::new);
        List<BenchChart.Panel> p = new ArrayList<>();
        double ideal = runs.path(FleetTable.IDEAL).path("hitRatio").asDouble(Double.NaN);
        p.add(new BenchChart.Panel("Prefix-cache hit ratio (%)", labels,
                List.of(perRun(runs, names, n -> 100 * n.path("hitRatio").asDouble(Double.NaN))),
                90 * ideal, "90 % of ideal"));
        p.add(new BenchChart.Panel("Modelled time to first token p50 (ms)", labels,
                List.of(perRun(runs, names, n -> n.at("/modelledTtftMs/p50").asDouble(Double.NaN))), Double.NaN, null));
        p.add(new BenchChart.Panel("Modelled time to first token p90 (ms)", labels,
                List.of(perRun(runs, names, n -> n.at("/modelledTtftMs/p90").asDouble(Double.NaN))),
                runs.path("round-robin").at("/modelledTtftMs/p90").asDouble(Double.NaN) / 5, "round-robin / 5"));
        p.add(new BenchChart.Panel("Busiest instance's requests / mean", labels,
                List.of(perRun(runs, names, n -> n.path("busiestOverMean").asDouble(Double.NaN))), 1.3, "target 1.3"));
        p.add(new BenchChart.Panel("Total time, wall clock (s)", labels,
                List.of(perRun(runs, names, n -> n.path("wallSeconds").asDouble(Double.NaN))), Double.NaN, null));
        JsonNode kill = root.path("fleet").path("kill");
        double[] killed = {kill.path("requestsOnKilledInstance").asDouble(Double.NaN),
            kill.path("errorsBeforeContent").asDouble(Double.NaN),
            kill.path("errorsWhileFlowing").asDouble(Double.NaN)};
        p.add(new BenchChart.Panel("Instance killed halfway: requests, errors",
                new String[] {"in flight on it", "before content", "while flowing"},
                List.of(new BenchChart.Series("kill", BenchChart.TOLK, killed)), Double.NaN, null));
        return p;
    }

    private static BenchChart.Series perRun(JsonNode runs, List<String> names, ToDoubleFunction<JsonNode> f) {
        double[] v = new double[names.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(runs.path(names.get(i)));
        }
        return new BenchChart.Series("runs", BenchChart.TOLK, v);
    }

    private static String shortName(String policy) {
        return switch (policy) {
            case "bounded-affinity" -> "bounded";
            case "least-loaded" -> "least-load";
            default -> policy;
        };
    }
}
