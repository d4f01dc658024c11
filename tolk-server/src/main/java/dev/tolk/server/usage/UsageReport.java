package dev.tolk.server.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tolk.store.usage.UsageQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link UsageQuery.Report} as {@code tolk usage} prints it (a table, {@code --json}, {@code --csv}) and as
 * {@code GET /admin/usage} answers it (the same JSON). Each group's name is under the grouping's own field
 * ({@code key}, {@code session}, {@code model}, {@code upstream}, {@code day}).
 */
public final class UsageReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();
    private static final String[] COLUMNS = {"requests", "errors", "input_tokens", "cached_tokens", "output_tokens",
            "cache_share", "ttft_p50_ms"};

    private UsageReport() {}

    public static byte[] json(UsageQuery.Report report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("by", report.by().label());
        root.put("since", report.since().toString());
        var groups = root.putArray("groups");
        for (UsageQuery.Totals t : report.groups()) {
            ObjectNode g = groups.addObject();
            g.put(report.by().label(), t.group());
            fields(g, t);
        }
        fields(root.putObject("total"), report.total());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fields(ObjectNode n, UsageQuery.Totals t) {
        n.put("requests", t.requests());
        n.put("errors", t.errors());
        n.put("input_tokens", t.inputTokens());
        n.put("cached_tokens", t.cachedTokens());
        n.put("output_tokens", t.outputTokens());
        n.put("cache_share", Math.round(t.cacheShare() * 10_000) / 10_000.0);
        if (Double.isNaN(t.ttftP50Millis())) {
            n.putNull("ttft_p50_ms");
        } else {
            n.put("ttft_p50_ms", Math.round(t.ttftP50Millis() * 10) / 10.0);
        }
    }

    public static String csv(UsageQuery.Report report) {
        CsvSchema.Builder schema = CsvSchema.builder().addColumn(report.by().label());
        for (String c : COLUMNS) {
            schema.addColumn(c);
        }
        List<List<Object>> rows = new ArrayList<>();
        for (UsageQuery.Totals t : report.groups()) {
            rows.add(List.of(t.group(), t.requests(), t.errors(), t.inputTokens(), t.cachedTokens(), t.outputTokens(),
                    String.format(Locale.ROOT, "%.4f", t.cacheShare()),
                    Double.isNaN(t.ttftP50Millis()) ? "" : String.format(Locale.ROOT, "%.1f", t.ttftP50Millis())));
        }
        try {
            return CSV.writer(schema.build().withHeader()).writeValueAsString(rows);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plain-text table, numbers right-aligned, with a total line when there is more than one group. */
    public static String table(UsageQuery.Report report) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {report.by().label().toUpperCase(Locale.ROOT), "REQUESTS", "ERRORS", "INPUT", "CACHED",
                "OUTPUT", "CACHE", "TTFT P50"});
        for (UsageQuery.Totals t : report.groups()) {
            lines.add(cells(t.group(), t));
        }
        boolean total = report.groups().size() > 1;
        if (total) {
            lines.add(cells("total", report.total()));
        }
        int[] width = new int[lines.get(0).length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                width[i] = Math.max(width[i], l[i].length());
            }
        }
        StringBuilder sb = new StringBuilder("usage since ").append(report.since()).append('\n');
        for (int k = 0; k < lines.size(); k++) {
            String[] l = lines.get(k);
            if (total && k == lines.size() - 1) {
                sb.append("-".repeat(sum(width) + 2 * (width.length - 1))).append('\n');
            }
            for (int i = 0; i < l.length; i++) {
                String cell = l[i];
                String pad = " ".repeat(width[i] - cell.length());
                sb.append(i == 0 ? cell + pad : pad + cell);
                sb.append(i == l.length - 1 ? "\n" : "  ");
            }
        }
        if (report.groups().isEmpty()) {
            sb.append("(no requests)\n");
        }
        return sb.toString();
    }

    private static String[] cells(String group, UsageQuery.Totals t) {
        return new String[] {group, Long.toString(t.requests()), Long.toString(t.errors()),
                Long.toString(t.inputTokens()), Long.toString(t.cachedTokens()), Long.toString(t.outputTokens()),
                String.format(Locale.ROOT, "%.1f%%", t.cacheShare() * 100),
                Double.isNaN(t.ttftP50Millis()) ? "-" : String.format(Locale.ROOT, "%.1f ms", t.ttftP50Millis())};
    }

    private static int sum(int[] a) {
        int s = 0;
        for (int x : a) {
            s += x;
        }
        return s;
    }
}
