package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Draws the README chart (small multiples of grouped bars, direct vs Tolk) from a result tree with Java2D. */
final class BenchChart {
    static final Color DIRECT = new Color(0x9AA5B1);
    static final Color TOLK = new Color(0x2F6FDB);
    static final Color TARGET = new Color(0xD9480F);
    static final Color REFERENCE = new Color(0xE8A317);
    static final int PANEL_W = 440;
    static final int PANEL_H = 300;
    private static final int COLS = 3;

    private BenchChart() {}

    /** One series of bars; values may be NaN (bar omitted). */
    record Series(String name, Color color, double[] values) {}

    /** One panel: a title, categories on the x axis, series, and an optional target line. */
    record Panel(String title, String[] categories, List<Series> series, double target, String targetLabel) {}

    static void write(JsonNode r, Path png) throws IOException {
        JsonNode m = r.path("machine");
        String subtitle = m.path("cores").asInt() + " cores, " + m.path("javaVersion").asText() + "; simulator: "
                + BenchSettings.STREAM_CHUNKS + "-chunk streams; medians; " + stamp(r);
        writePanels(png, "Tolk vs. talking to the upstream directly", subtitle, panels(r), (g, width) -> {
            legend(g, width - 260, 22);
            JsonNode ref = r.path("concurrent").path("reference");
            if (!ref.isMissingNode()) {
                int x = width - 560;
                g.setColor(REFERENCE);
                g.fillRect(x, 22, 14, 14);
                g.setColor(Color.BLACK);
                g.drawString(ref.path("name").asText() + " (a hop, no translation)", x + 20, 34);
            }
        });
    }

    /** The run's time for a chart's subtitle, marked when it was a quick run. */
    static String stamp(JsonNode r) {
        return r.path("timestamp").asText().replaceAll("\\.\\d+Z$", "Z")
                + (r.path("quick").asBoolean() ? " (QUICK run: not meaningful)" : "");
    }

    /** Something a chart draws in its header besides the title and subtitle, given the image's width. */
    @FunctionalInterface
    interface HeaderExtras {
        void draw(Graphics2D g, int width);
    }

    /** Draws {@code panels} three to a row under a header of {@code title} and {@code subtitle} into {@code png}. */
    static void writePanels(Path png, String title, String subtitle, List<Panel> panels, HeaderExtras extras)
            throws IOException {
        int rows = (panels.size() + COLS - 1) / COLS;
        int headerH = 70;
        BufferedImage img = new BufferedImage(PANEL_W * COLS, headerH + PANEL_H * rows, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(subtitle, 20, 52);
        extras.draw(g, img.getWidth());
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, panels.get(i), (i % COLS) * PANEL_W, headerH + (i / COLS) * PANEL_H);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    private static void legend(Graphics2D g, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(DIRECT);
        g.fillRect(x, y, 14, 14);
        g.setColor(Color.BLACK);
        g.drawString("direct (client → simulator)", x + 20, y + 12);
        g.setColor(TOLK);
        g.fillRect(x, y + 20, 14, 14);
        g.setColor(Color.BLACK);
        g.drawString("Tolk (client → Tolk → simulator)", x + 20, y + 32);
    }

    static List<Panel> panels(JsonNode r) {
        List<Panel> p = new ArrayList<>();
        JsonNode sd = r.path("sequential").path("direct");
        JsonNode st = r.path("sequential").path("tolk");
        p.add(new Panel("One at a time, 200-chunk stream (ms)", new String[] {"first byte", "first text", "total"},
                List.of(new Series("direct", DIRECT, vals(sd, "firstByteMs", "firstTextMs", "totalMs")),
                        new Series("Tolk", TOLK, vals(st, "firstByteMs", "firstTextMs", "totalMs"))),
                Double.NaN, null));
        JsonNode c = r.path("concurrent");
        JsonNode cc = r.path("claudeCode").path("concurrent");
        String[] loads = {"200-chunk", "Claude Code req."};
        List<Series> rates = new ArrayList<>(List.of(
                new Series("direct", DIRECT, pair(c.path("direct"), cc.path("direct"), "requestsPerSecond")),
                new Series("Tolk", TOLK, pair(c.path("tolk"), cc.path("tolk"), "requestsPerSecond"))));
        if (c.has("reference")) {
            rates.add(new Series(c.path("reference").path("name").asText(), REFERENCE,
                    new double[] {c.path("reference").path("requestsPerSecond").asDouble(Double.NaN), Double.NaN}));
        }
        p.add(new Panel("50 concurrent streams: requests/s", loads, rates, Double.NaN, null));
        p.add(new Panel("50 concurrent streams: p99 latency (ms)", loads,
                List.of(new Series("direct", DIRECT, pair(c.path("direct"), cc.path("direct"), "p99Ms")),
                        new Series("Tolk", TOLK, pair(c.path("tolk"), cc.path("tolk"), "p99Ms"))),
                50, "target 50"));
        JsonNode res = r.path("resources");
        JsonNode slow = r.path("slowStreams").path("tolk");
        p.add(new Panel("Tolk resident memory (MiB)",
                new String[] {"idle", "50 streams (HWM)", slow.path("streams").asLong() + " slow"},
                List.of(new Series("Tolk", TOLK, new double[] {res.path("gatewayRssIdleAtStartMib").asDouble(Double.NaN),
                        c.path("gatewayHwmMib").asDouble(Double.NaN), slow.path("gatewayPeakRssMib").asDouble(Double.NaN)})),
                200, "target 200 under load"));
        p.add(new Panel("Tolk CPU per 200-chunk request (ms)", new String[] {"one at a time", "50 concurrent"},
                List.of(new Series("Tolk", TOLK, new double[] {r.path("sequential").path("gatewayCpuMsPerRequest")
                        .asDouble(Double.NaN), c.path("gatewayCpuMsPerRequest").asDouble(Double.NaN)})),
                0.5, "target 0.5"));
        JsonNode s = r.path("startup");
        p.add(new Panel("Tolk start-up (ms)", new String[] {"to ready line", "to first answer"},
                List.of(new Series("Tolk", TOLK, vals(s, "readyMs", "firstAnsweredMs"))), 500, "target 500"));
        return p;
    }

    private static double[] vals(JsonNode n, String... fields) {
        double[] v = new double[fields.length];
        for (int i = 0; i < fields.length; i++) {
            v[i] = n.path(fields[i]).asDouble(Double.NaN);
        }
        return v;
    }

    private static double[] pair(JsonNode a, JsonNode b, String field) {
        return new double[] {a.path(field).asDouble(Double.NaN), b.path(field).asDouble(Double.NaN)};
    }

    static void drawPanel(Graphics2D g, Panel p, int x0, int y0) {
        int left = x0 + 55;
        int right = x0 + PANEL_W - 20;
        int top = y0 + 45;
        int bottom = y0 + PANEL_H - 45;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(p.title(), x0 + 15, y0 + 22);
        double max = Double.isNaN(p.target()) ? 0 : p.target();
        for (Series s : p.series()) {
            for (double v : s.values()) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        max = niceCeiling(max <= 0 ? 1 : max * 1.15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(new Color(0xE6E6E6));
        for (int i = 0; i <= 4; i++) {
            int y = bottom - (int) ((bottom - top) * i / 4.0);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = ReportTable.fmt(max * i / 4.0);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        int groups = p.categories().length;
        int groupW = (right - left) / groups;
        int nSeries = p.series().size();
        int barW = Math.min(60, (groupW - 24) / nSeries);
        for (int c = 0; c < groups; c++) {
            int gx = left + c * groupW + (groupW - barW * nSeries) / 2;
            for (int s = 0; s < nSeries; s++) {
                double v = p.series().get(s).values()[c];
                if (Double.isNaN(v)) {
                    continue;
                }
                int h = (int) Math.round((bottom - top) * v / max);
                int bx = gx + s * barW;
                g.setColor(p.series().get(s).color());
                g.fillRect(bx + 2, bottom - h, barW - 4, h);
                g.setColor(Color.BLACK);
                String label = ReportTable.fmt(v);
                FontMetrics fm = g.getFontMetrics();
                g.drawString(label, bx + (barW - fm.stringWidth(label)) / 2, bottom - h - 4);
            }
            g.setColor(Color.BLACK);
            String cat = p.categories()[c];
            g.drawString(cat, left + c * groupW + (groupW - g.getFontMetrics().stringWidth(cat)) / 2, bottom + 16);
        }
        g.setColor(Color.GRAY);
        g.drawLine(left, bottom, right, bottom);
        if (!Double.isNaN(p.target())) {
            int y = bottom - (int) Math.round((bottom - top) * p.target() / max);
            g.setColor(TARGET);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(left, y, right, y);
            g.setStroke(new BasicStroke(1));
            // the label goes next to the title, where no bar or value label can be under it
            int w = g.getFontMetrics().stringWidth(p.targetLabel());
            int lx = x0 + PANEL_W - 20 - w;
            g.setColor(TARGET);
            g.drawString(p.targetLabel(), lx, y0 + 38);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(lx - 26, y0 + 34, lx - 4, y0 + 34);
            g.setStroke(new BasicStroke(1));
        }
    }

    private static double niceCeiling(double v) {
        double exp = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * exp >= v) {
                return m * exp;
            }
        }
        return 10 * exp;
    }
}
