package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** Draws docs/bench-fleet.png from a fleet result: one bar per run in each panel, and the kill run. */
final class FleetChart {
    private static final int COLS = 3;
    private FleetChart() {}

    static void write(JsonNode root, Path png) throws IOException {
        List<BenchChart.Panel> panels = panels(root);
        int rows = (panels.size() + COLS - 1) / COLS;
        int headerH = 70;
        BufferedImage img = new BufferedImage(BenchChart.PANEL_W * COLS, headerH + BenchChart.PANEL_H * rows,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        JsonNode cfg = root.path("fleet").path("settings");
        g.drawString("Tolk over a simulated vLLM fleet: routing policies on the same Claude Code sessions", 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(cfg.path("sessions").asInt() + " sessions × " + cfg.path("turns").asInt() + " turns, "
                + cfg.path("concurrency").asInt() + " at a time, " + cfg.path("instances").asInt() + " instances of "
                + cfg.path("kvBlocks").asInt() + " KV blocks; bounded = bounded-affinity (Tolk's default); ideal = "
                + "pinned, unlimited KV; " + root.path("timestamp").asText().replaceAll("\\.\\d+Z$", "Z")
                + (root.path("quick").asBoolean() ? " (QUICK run: not meaningful)" : ""), 20, 52);
        for (int i = 0; i < panels.size(); i++) {
            BenchChart.drawPanel(g, panels.get(i), (i % COLS) * BenchChart.PANEL_W,
                    headerH + (i / COLS) * BenchChart.PANEL_H);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
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
