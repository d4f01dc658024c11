package dev.tolk.store.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The ledger read as the dashboard and {@code /admin/sessions} show it: totals per key and the sessions seen most
 * recently, over every replica that writes to the same database. Rows are summed here (as in {@link UsageQuery}):
 * the median time to first token and the model lists have no common SQL in SQLite and PostgreSQL.
 */
public final class RecentUsage {
    /** One key's requests since the window began; {@code errors} are answers of 400 or more. */
    public record KeyRow(String key, long requests, long errors, long inputTokens, long cachedTokens,
                         long outputTokens, long lastSeenEpochMillis) {}

    /** One Claude Code session; {@code ttftP50Millis} is -1 when no turn sent a token. */
    public record SessionRow(String session, String key, long turns, long errors, long inputTokens,
                             long cachedTokens, long outputTokens, long ttftP50Millis, long firstSeenEpochMillis,
                             long lastSeenEpochMillis, List<String> clientModels, List<String> upstreamModels) {}

    private final DataSource dataSource;

    public RecentUsage(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Every key with a request since {@code since}, the most tokens first. */
    public List<KeyRow> keys(Instant since) throws SQLException {
        List<KeyRow> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT key_name, COUNT(*),"
                     + " SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_tokens),"
                     + " SUM(output_tokens), MAX(started_at) FROM usage_ledger WHERE started_at >= ?"
                     + " GROUP BY key_name")) {
            s.setLong(1, since.toEpochMilli());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new KeyRow(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5),
                            r.getLong(6), r.getLong(7)));
                }
            }
        }
        out.sort(Comparator.comparingLong((KeyRow k) -> k.inputTokens() + k.cachedTokens() + k.outputTokens())
                .reversed().thenComparing(KeyRow::key));
        return out;
    }

    /** The {@code limit} sessions seen most recently since {@code since}, the latest first. */
    public List<SessionRow> sessions(Instant since, int limit) throws SQLException {
        Map<String, Acc> sessions = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // PostgreSQL streams rows with a fetch size only inside a transaction
            try (PreparedStatement s = c.prepareStatement("SELECT session_id, key_name, status, input_tokens,"
                    + " cached_tokens, output_tokens, ttft_ms, started_at, client_model, upstream_model"
                    + " FROM usage_ledger WHERE started_at >= ? AND session_id IS NOT NULL")) {
                s.setFetchSize(2_000);
                s.setLong(1, since.toEpochMilli());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        Acc a = sessions.computeIfAbsent(r.getString(1), id -> new Acc());
                        double ttft = r.getDouble(7);
                        a.add(r.getString(2), r.getInt(3), r.getLong(4), r.getLong(5), r.getLong(6),
                                r.wasNull() ? -1 : ttft, r.getLong(8), r.getString(9), r.getString(10));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return sessions.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, Acc> e) -> e.getValue().last).reversed())
                .limit(limit)
                .map(e -> e.getValue().row(e.getKey()))
                .toList();
    }

    private static final class Acc {
        String key;
        long turns;
        long errors;
        long input;
        long cached;
        long output;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double[] ttfts = new double[8];
        int ttftCount;
        final Set<String> clientModels = new LinkedHashSet<>();
        final Set<String> upstreamModels = new LinkedHashSet<>();

        void add(String key, int status, long input, long cached, long output, double ttftMillis, long startedAt,
                 String clientModel, String upstreamModel) {
            if (startedAt >= last) {
                this.key = key; // the key of the session's latest turn
            }
            turns++;
            errors += status >= 400 ? 1 : 0;
            this.input += input;
            this.cached += cached;
            this.output += output;
            first = Math.min(first, startedAt);
            last = Math.max(last, startedAt);
            if (ttftMillis >= 0) {
                if (ttftCount == ttfts.length) {
                    ttfts = Arrays.copyOf(ttfts, ttftCount * 2);
                }
                ttfts[ttftCount++] = ttftMillis;
            }
            if (clientModel != null) {
                clientModels.add(clientModel);
            }
            if (upstreamModel != null) {
                upstreamModels.add(upstreamModel);
            }
        }

        SessionRow row(String session) {
            long p50 = -1;
            if (ttftCount > 0) {
                double[] v = Arrays.copyOf(ttfts, ttftCount);
                Arrays.sort(v);
                p50 = Math.round(ttftCount % 2 == 1 ? v[ttftCount / 2] : (v[ttftCount / 2 - 1] + v[ttftCount / 2]) / 2);
            }
            return new SessionRow(session, key, turns, errors, input, cached, output, p50, first, last,
                    List.copyOf(clientModels), List.copyOf(upstreamModels));
        }
    }
}
