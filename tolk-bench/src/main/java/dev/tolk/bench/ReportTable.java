package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders a result tree as the Markdown table of medians, Tolk/direct ratios, targets and whether each is met. */
final class ReportTable {
    private ReportTable() {}

    /** One table row; direct or tolk may be NaN when not applicable. */
    record Row(String measurement, double direct, double tolk, String unit, String target, Boolean met) {}

    static List<Row> rows(JsonNode r) {
        List<Row> rows = new ArrayList<>();
        JsonNode seq = r.path("sequential");
        if (!seq.isMissingNode()) {
            sequentialRows(rows, "200-chunk stream", seq, true);
        }
        JsonNode con = r.path("concurrent");
        if (!con.isMissingNode()) {
            concurrentRows(rows, "200-chunk", con, true);
        }
        JsonNode cc = r.path("claudeCode");
        if (!cc.isMissingNode()) {
            sequentialRows(rows, "Claude Code request (" + cc.path("sequential").path("requestBytesTolk").asLong() / 1024
                    + " KiB)", cc.path("sequential"), false);
            concurrentRows(rows, "Claude Code request", cc.path("concurrent"), false);
        }
        JsonNode res = r.path("resources");
        double idle = res.path("gatewayRssIdleAtStartMib").asDouble(Double.NaN);
        rows.add(new Row("gateway RSS idle after start", Double.NaN, idle, "MiB", "≤ 80", idle <= 80));
        rows.add(new Row("gateway RSS idle after start, anonymous only (without mapped jar/AOT cache)", Double.NaN,
                res.path("gatewayRssAnonIdleAtStartMib").asDouble(Double.NaN), "MiB", "", null));
        rows.add(new Row("gateway RSS idle after load", Double.NaN,
                res.path("gatewayRssIdleAfterLoadMib").asDouble(Double.NaN), "MiB", "", null));
        if (!con.isMissingNode()) {
            double peak = con.path("gatewayHwmMib").asDouble(Double.NaN);
            rows.add(new Row("gateway peak RSS (VmHWM) after 50 streams", Double.NaN, peak, "MiB", "≤ 200", peak <= 200));
        }
        JsonNode slow = r.path("slowStreams");
        if (!slow.isMissingNode()) {
            String label = slow.path("tolk").path("streams").asLong() + " slow streams";
            JsonNode d = slow.path("direct");
            JsonNode t = slow.path("tolk");
            rows.add(new Row(label + ": errors", d.path("errors").asDouble(Double.NaN),
                    t.path("errors").asDouble(Double.NaN), "", "0", t.path("errors").asLong(-1) == 0));
            rows.add(new Row(label + ": upstream streams left open after clients left",
                    d.path("upstreamStillActive").asDouble(Double.NaN), t.path("upstreamStillActive").asDouble(Double.NaN),
                    "", "0", t.path("upstreamStillActive").asLong(-1) == 0));
            rows.add(new Row(label + ": gateway peak RSS", Double.NaN, t.path("gatewayPeakRssMib").asDouble(Double.NaN),
                    "MiB", "", null));
            rows.add(new Row(label + ": gateway CPU while held", Double.NaN,
                    t.path("gatewayCpuCoresDuringHold").asDouble(Double.NaN), "cores", "", null));
        }
        JsonNode st = r.path("startup");
        if (!st.isMissingNode()) {
            double ready = st.path("readyMs").asDouble(Double.NaN);
            rows.add(new Row("start → ready line", Double.NaN, ready, "ms", "≤ 500", ready <= 500));
            rows.add(new Row("start → first answered request", Double.NaN, st.path("firstAnsweredMs").asDouble(Double.NaN),
                    "ms", "", null));
        }
        JsonNode derived = r.path("jmhDerived");
        if (derived.has("requestTranslationMBps")) {
            rows.add(new Row("request translation, largest Claude Code request (" + derived.path("requestBytes").asLong() / 1024
                    + " KiB)", Double.NaN, derived.path("requestTranslationMBps").asDouble(), "MB/s", "", null));
        }
        JsonNode jmh = r.path("jmh");
        jmh.properties().forEach(e -> {
            JsonNode b = e.getValue();
            rows.add(new Row("JMH " + e.getKey(), Double.NaN, b.path("score").asDouble(), b.path("unit").asText(), "", null));
            if (b.has("allocBytesPerOp")) {
                rows.add(new Row("JMH " + e.getKey() + " allocation", Double.NaN, b.path("allocBytesPerOp").asDouble(),
                        "B/op", "", null));
            }
        });
        return rows;
    }

    private static void sequentialRows(List<Row> rows, String label, JsonNode seq, boolean withTargets) {
        JsonNode d = seq.path("direct");
        JsonNode t = seq.path("tolk");
        rows.add(ms(label + ", one at a time: first byte", d, t, "firstByteMs", "", null));
        rows.add(ms(label + ", one at a time: first text delta", d, t, "firstTextMs", "", null));
        double dt = d.path("totalMs").asDouble(Double.NaN);
        double tt = t.path("totalMs").asDouble(Double.NaN);
        rows.add(new Row(label + ", one at a time: total", dt, tt, "ms", withTargets ? "≤ direct + 0.3" : "",
                withTargets ? tt <= dt + 0.3 : null));
        rows.add(new Row(label + ", one at a time: errors", d.path("errors").asDouble(), t.path("errors").asDouble(),
                "", "0", t.path("errors").asLong(-1) == 0 && d.path("errors").asLong(-1) == 0));
        double cpu = seq.path("gatewayCpuMsPerRequest").asDouble(Double.NaN);
        rows.add(new Row(label + ", one at a time: gateway CPU per request", Double.NaN, cpu, "ms",
                withTargets ? "≤ 0.5" : "", withTargets ? cpu <= 0.5 : null));
    }

    private static Row ms(String label, JsonNode d, JsonNode t, String field, String target, Boolean met) {
        return new Row(label, d.path(field).asDouble(Double.NaN), t.path(field).asDouble(Double.NaN), "ms", target, met);
    }

    private static void concurrentRows(List<Row> rows, String label, JsonNode con, boolean withTargets) {
        JsonNode d = con.path("direct");
        JsonNode t = con.path("tolk");
        String c = con.path("connections").asInt() + " streams";
        double dr = d.path("requestsPerSecond").asDouble(Double.NaN);
        double tr = t.path("requestsPerSecond").asDouble(Double.NaN);
        rows.add(new Row(label + ", " + c + ": requests/s", dr, tr, "req/s", withTargets ? "≥ 0.6 × direct" : "",
                withTargets ? tr >= 0.6 * dr : null));
        rows.add(ms(label + ", " + c + ": p50 latency", d, t, "p50Ms", "", null));
        double p99 = t.path("p99Ms").asDouble(Double.NaN);
        rows.add(new Row(label + ", " + c + ": p99 latency", d.path("p99Ms").asDouble(Double.NaN), p99, "ms",
                withTargets ? "≤ 50" : "", withTargets ? p99 <= 50 : null));
        long errors = t.path("errors").asLong(-1);
        rows.add(new Row(label + ", " + c + ": errors", d.path("errors").asDouble(), errors, "", "0", errors == 0));
        double cpu = con.path("gatewayCpuMsPerRequest").asDouble(Double.NaN);
        rows.add(new Row(label + ", " + c + ": gateway CPU per request", Double.NaN, cpu, "ms",
                withTargets ? "≤ 0.5" : "", withTargets ? cpu <= 0.5 : null));
        JsonNode ref = con.path("reference");
        if (!ref.isMissingNode()) {
            // the hop's figure goes in the Tolk column, so that its ratio to direct is printed next to Tolk's
            String via = label + ", " + c + " through " + ref.path("name").asText() + " (reference hop, no translation)";
            rows.add(new Row(via + ": requests/s", dr, ref.path("requestsPerSecond").asDouble(Double.NaN), "req/s", "",
                    null));
            rows.add(new Row(via + ": proxy CPU per request", Double.NaN,
                    ref.path("proxyCpuMsPerRequest").asDouble(Double.NaN), "ms", "", null));
        }
    }

    /** The table of a result tree; a fleet result ({@code tolk bench fleet}) gets the fleet's table. */
    static String markdown(JsonNode r) {
        if (r.has("fleet")) {
            String fleet = FleetTable.markdown(r);
            return r.has("sequential") || r.has("concurrent") ? directMarkdown(r) + "\n" + fleet : fleet;
        }
        return directMarkdown(r);
    }

    private static String directMarkdown(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        sb.append("| measurement | direct | Tolk | Tolk/direct | unit | target | met |\n");
        sb.append("|---|---:|---:|---:|---|---|---|\n");
        for (Row row : rows(r)) {
            String ratio = Double.isNaN(row.direct()) || Double.isNaN(row.tolk()) || row.direct() == 0 ? ""
                    : fmt(row.tolk() / row.direct()) + "×";
            sb.append("| ").append(row.measurement()).append(" | ").append(fmt(row.direct())).append(" | ")
                    .append(fmt(row.tolk())).append(" | ").append(ratio).append(" | ").append(row.unit())
                    .append(" | ").append(row.target()).append(" | ")
                    .append(row.met() == null ? "" : row.met() ? "yes" : "**no**").append(" |\n");
        }
        return sb.toString();
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
