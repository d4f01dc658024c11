package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The fleet bench as a Markdown table: one column per run (the ideal, then each routing policy, Tolk's default
 * last), the targets checked on the default's column, and the kill run below.
 */
final class FleetTable {
    static final String IDEAL = "ideal";

    private FleetTable() {}

    static String markdown(JsonNode root) {
        JsonNode fleet = root.path("fleet");
        if (fleet.isMissingNode()) {
            return "";
        }
        JsonNode runs = fleet.path("policies");
        List<String> columns = new ArrayList<>();
        runs.fieldNames().forEachRemaining(columns::add);
        String def = fleet.path("settings").path("defaultPolicy").asText(FleetSettings.DEFAULT_POLICY);
        JsonNode d = runs.path(def);
        JsonNode ideal = runs.path(IDEAL);
        JsonNode rr = runs.path("round-robin");
        StringBuilder sb = new StringBuilder();
        JsonNode cfg = fleet.path("settings");
        sb.append("Fleet: ").append(cfg.path("sessions").asInt()).append(" sessions × ")
                .append(cfg.path("turns").asInt()).append(" turns, ").append(cfg.path("concurrency").asInt())
                .append(" at a time, ")
                .append(cfg.path("instances").asInt()).append(" instances (").append(cfg.path("kvBlocks").asInt())
                .append(" KV blocks, max-num-seqs ").append(cfg.path("maxNumSeqs").asInt()).append(" each); prompts ")
                .append(ReportTable.fmt(cfg.path("promptTokensFirstTurnMean").asDouble(Double.NaN))).append(" → ")
                .append(ReportTable.fmt(cfg.path("promptTokensLastTurnMean").asDouble(Double.NaN)))
                .append(" tokens; prefill ").append(cfg.path("prefillUsPerToken").asLong())
                .append(" µs per uncached token, decode ")
                .append(cfg.path("decodeUsPerToken").asLong()).append(" µs per token")
                .append(root.path("quick").asBoolean() ? " (QUICK run: not meaningful)" : "").append("\n\n");
        sb.append("| measurement |");
        for (String c : columns) {
            sb.append(' ').append(c.equals(def) ? c + " (Tolk default)" : c).append(" |");
        }
        sb.append(" unit | target | met |\n|---|");
        sb.append("---:|".repeat(columns.size())).append("---|---|---|\n");

        double hitTarget = 0.9 * ideal.path("hitRatio").asDouble(Double.NaN);
        row(sb, "prefix-cache hit ratio", runs, columns, n -> 100 * n.path("hitRatio").asDouble(Double.NaN), "%",
                "≥ 90 % of ideal", atLeast(d.path("hitRatio").asDouble(Double.NaN), hitTarget));
        row(sb, "modelled time to first token p50", runs, columns, at("/modelledTtftMs/p50"),
                "ms", "", null);
        double p90Target = rr.at("/modelledTtftMs/p90").asDouble(Double.NaN) / 5;
        row(sb, "modelled time to first token p90", runs, columns, at("/modelledTtftMs/p90"),
                "ms", "≤ round-robin / 5", atMost(d.at("/modelledTtftMs/p90").asDouble(Double.NaN), p90Target));
        row(sb, "modelled time to first token p99", runs, columns, at("/modelledTtftMs/p99"),
                "ms", "", null);
        row(sb, "of which queued p90 (waiting for a slot or KV blocks)", runs, columns,
                at("/queuedMs/p90"), "ms", "", null);
        row(sb, "client time to first text p50 (wall clock)", runs, columns,
                at("/clientFirstTextMs/p50"), "ms", "", null);
        row(sb, "client time to first text p90 (wall clock)", runs, columns,
                at("/clientFirstTextMs/p90"), "ms", "", null);
        row(sb, "total time (wall clock)", runs, columns, at("/wallSeconds"), "s", "", null);
        row(sb, "turns sent to another instance than the turn before", runs, columns,
                at("/turnsMoved"), "", "", null);
        row(sb, "turns away from the session's usual instance while it had a free slot", runs, columns,
                at("/awayWhileHomeHadFreeSlot"), "", "", null);
        double busiest = d.path("busiestOverMean").asDouble(Double.NaN);
        row(sb, "busiest instance's requests / mean", runs, columns,
                at("/busiestOverMean"), "×", "≤ 1.3", atMost(busiest, 1.3));
        row(sb, "errors", runs, columns, at("/errors"), "", "0",
                columns.stream().allMatch(c -> runs.path(c).path("errors").asLong(-1) == 0));

        JsonNode kill = fleet.path("kill");
        if (!kill.isMissingNode()) {
            sb.append("\n| kill run (").append(kill.path("policy").asText(def)).append(", instance ")
                    .append(kill.path("killedInstance").asInt()).append(" down after ")
                    .append(ReportTable.fmt(kill.path("killedAtSeconds").asDouble(Double.NaN)))
                    .append(" s) | value | target | met |\n|---|---:|---|---|\n");
            long before = kill.path("errorsBeforeContent").asLong(-1);
            killRow(sb, "requests the instance had in flight when it went down",
                    kill.path("requestsOnKilledInstance").asDouble(Double.NaN), "", null);
            killRow(sb, "requests in flight in the whole fleet then",
                    kill.path("requestsInFlightAtKill").asDouble(Double.NaN), "", null);
            killRow(sb, "errors that reached clients before any content", before, "0", before == 0);
            killRow(sb, "of which after a 200 response head (the stream had opened)",
                    kill.path("errorsAfterHeadBeforeContent").asDouble(Double.NaN), "", null);
            killRow(sb, "streams broken while already flowing", kill.path("errorsWhileFlowing").asDouble(), "", null);
            killRow(sb, "prefix-cache hit ratio (%)", 100 * kill.path("hitRatio").asDouble(Double.NaN), "", null);
            killRow(sb, "modelled time to first token p90 (ms)", kill.at("/modelledTtftMs/p90").asDouble(Double.NaN),
                    "", null);
            killRow(sb, "total time (s)", kill.path("wallSeconds").asDouble(Double.NaN), "", null);
        }
        return sb.toString();
    }

    /** A figure of a run, by JSON pointer; NaN when the run does not have it. */
    private static ToDoubleFunction<JsonNode> at(String pointer) {
        return n -> n.at(pointer).asDouble(Double.NaN);
    }

    /** Whether {@code value} ≥ {@code bound}; null (left blank) when either is missing. */
    private static Boolean atLeast(double value, double bound) {
        return Double.isNaN(value) || Double.isNaN(bound) ? null : value >= bound;
    }

    private static Boolean atMost(double value, double bound) {
        return Double.isNaN(value) || Double.isNaN(bound) ? null : value <= bound;
    }

    private static void row(StringBuilder sb, String label, JsonNode runs, List<String> columns,
                            ToDoubleFunction<JsonNode> value, String unit, String target, Boolean met) {
        sb.append("| ").append(label).append(" |");
        for (String c : columns) {
            sb.append(' ').append(ReportTable.fmt(value.applyAsDouble(runs.path(c)))).append(" |");
        }
        sb.append(' ').append(unit).append(" | ").append(target).append(" | ")
                .append(met == null ? "" : met ? "yes" : "**no**").append(" |\n");
    }

    private static void killRow(StringBuilder sb, String label, double value, String target, Boolean met) {
        String v = value == Math.rint(value) ? String.format(Locale.ROOT, "%,.0f", value) : ReportTable.fmt(value);
        sb.append("| ").append(label).append(" | ").append(v).append(" | ").append(target)
                .append(" | ").append(met == null ? "" : met ? "yes" : "**no**").append(" |\n");
    }
}
