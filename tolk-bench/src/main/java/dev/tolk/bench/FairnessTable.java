package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;

/** The fairness bench as a Markdown table: the small keys' time to first token idle, first come first served, fair. */
final class FairnessTable {
    private FairnessTable() {}

    static String markdown(JsonNode root) {
        JsonNode f = root.path("fairness");
        if (f.isMissingNode()) {
            return "";
        }
        JsonNode cfg = f.path("settings");
        JsonNode runs = f.path("runs");
        double idle = runs.path("idle").path("small").path("firstTextMs").path("p90").asDouble(Double.NaN);
        StringBuilder sb = new StringBuilder();
        sb.append("Fairness: one key with ").append(cfg.path("bigSessions").asInt()).append(" sessions beside ")
                .append(cfg.path("smallKeys").asInt()).append(" keys with one session each (")
                .append(cfg.path("smallTurns").asInt()).append(" turns), ").append(cfg.path("instances").asInt())
                .append(" instances × max-num-seqs ").append(cfg.path("maxNumSeqs").asInt())
                .append(" (the gateway's capacity for them)\n\n");
        sb.append("| | idle (small keys alone) | first come, first served | fair sharing (default) |\n");
        sb.append("|---|---:|---:|---:|\n");
        row(sb, runs, "small keys' time to first token p50 / p90", "small", idle, false);
        row(sb, runs, "small keys' p90 / idle p90 (target ≤ 2×)", "small", idle, true);
        row(sb, runs, "big key's time to first token p50 / p90", "big", idle, false);
        sb.append("| requests small / big (errors) |");
        for (String mode : new String[] {"idle", "first-come-first-served", "fair"}) {
            JsonNode r = runs.path(mode);
            sb.append(' ').append(r.path("small").path("requests").asInt()).append(" / ")
                    .append(r.path("big").path("requests").asInt()).append(" (")
                    .append(r.path("small").path("errors").asInt() + r.path("big").path("errors").asInt())
                    .append(") |");
        }
        sb.append('\n');
        return sb.toString();
    }

    private static void row(StringBuilder sb, JsonNode runs, String label, String who, double idle, boolean ratio) {
        sb.append("| ").append(label).append(" |");
        for (String mode : new String[] {"idle", "first-come-first-served", "fair"}) {
            JsonNode p = runs.path(mode).path(who).path("firstTextMs");
            if (p.path("samples").asInt() == 0) {
                sb.append(" – |");
            } else if (ratio) {
                sb.append(' ').append(String.format(java.util.Locale.ROOT, "%.2f×", p.path("p90").asDouble() / idle))
                        .append(" |");
            } else {
                sb.append(' ').append(Math.round(p.path("p50").asDouble())).append(" / ")
                        .append(Math.round(p.path("p90").asDouble())).append(" ms |");
            }
        }
        sb.append('\n');
    }
}
