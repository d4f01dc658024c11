package dev.tolk.store.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Totals of the usage ledger since a moment, grouped by key, session, model, upstream or day (UTC). The rows of the
 * window are read and summed here rather than in SQL: the median time to first token has no common SQL in SQLite and
 * PostgreSQL, and a day of the epoch-millisecond column would need each dialect's date functions. The range of
 * {@code started_at} is served by its index.
 */
public final class UsageQuery {
    /** What the totals are grouped by; {@code model} is the upstream's model (what ran), else the client's. */
    public enum GroupBy {
        KEY, SESSION, MODEL, UPSTREAM, DAY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static GroupBy parse(String s) {
            for (GroupBy g : values()) {
                if (g.label().equalsIgnoreCase(s.strip())) {
                    return g;
                }
            }
            throw new IllegalArgumentException("cannot group by '" + s + "': use key, session, model, upstream or day");
        }
    }

    /**
     * The totals of one group. {@code errors}: requests answered with a status of 400 or more (499: the client left).
     * {@code cacheShare}: cached over all prompt tokens (input + cached), 0 without prompt tokens.
     * {@code ttftP50Millis}: the median time to first token of the requests that sent one, NaN if none did.
     */
    public record Totals(String group, long requests, long errors, long inputTokens, long cachedTokens,
                         long outputTokens, double cacheShare, double ttftP50Millis) {}

    /** The groups (days in order, the others by requests, busiest first) and their sum, named {@code total}. */
    public record Report(GroupBy by, Instant since, List<Totals> groups, Totals total) {}

    private final DataSource dataSource;

    public UsageQuery(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The requests since {@code since}, grouped {@code by}; only groups with at least one request. */
    public Report report(GroupBy by, Instant since) throws SQLException {
        String column = switch (by) {
            case KEY -> "key_name";
            case SESSION -> "session_id";
            case MODEL -> "COALESCE(upstream_model, client_model)";
            case UPSTREAM -> "upstream";
            case DAY -> "started_at";
        };
        Map<String, Acc> groups = new HashMap<>();
        Acc all = new Acc();
        try (Connection c = dataSource.getConnection()) {
            // PostgreSQL streams the rows with a fetch size only inside a transaction
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT " + column + ", status, input_tokens,"
                    + " cached_tokens, output_tokens, ttft_ms FROM usage_ledger WHERE started_at >= ?")) {
                s.setFetchSize(2_000);
                s.setLong(1, since.toEpochMilli());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        String group = by == GroupBy.DAY
                                ? Instant.ofEpochMilli(r.getLong(1)).atOffset(ZoneOffset.UTC).toLocalDate().toString()
                                : r.getString(1);
                        Acc a = groups.computeIfAbsent(group == null ? "-" : group, g -> new Acc());
                        int status = r.getInt(2);
                        long input = r.getLong(3);
                        long cached = r.getLong(4);
                        long output = r.getLong(5);
                        double ttft = r.getDouble(6);
                        boolean sent = !r.wasNull();
                        a.add(status, input, cached, output, sent, ttft);
                        all.add(status, input, cached, output, sent, ttft);
                    }
                }
            } finally {
                c.rollback();
            }
        }
        List<Totals> out = new ArrayList<>(groups.size());
        groups.forEach((g, a) -> out.add(a.totals(g)));
        out.sort(by == GroupBy.DAY ? Comparator.comparing(Totals::group)
                : Comparator.comparingLong(Totals::requests).reversed().thenComparing(Totals::group));
        return new Report(by, since, out, all.totals("total"));
    }

    private static final class Acc {
        long requests;
        long errors;
        long input;
        long cached;
        long output;
        double[] ttfts = new double[16];
        int ttftCount;

        void add(int status, long input, long cached, long output, boolean sentToken, double ttftMillis) {
            requests++;
            if (status >= 400) {
                errors++;
            }
            this.input += input;
            this.cached += cached;
            this.output += output;
            if (sentToken) {
                if (ttftCount == ttfts.length) {
                    ttfts = Arrays.copyOf(ttfts, ttftCount * 2);
                }
                ttfts[ttftCount++] = ttftMillis;
            }
        }

        Totals totals(String group) {
            long prompt = input + cached;
            double p50 = Double.NaN;
            if (ttftCount > 0) {
                double[] v = Arrays.copyOf(ttfts, ttftCount);
                Arrays.sort(v);
                p50 = ttftCount % 2 == 1 ? v[ttftCount / 2] : (v[ttftCount / 2 - 1] + v[ttftCount / 2]) / 2;
            }
            return new Totals(group, requests, errors, input, cached, output,
                    prompt == 0 ? 0 : (double) cached / prompt, p50);
        }
    }
}
