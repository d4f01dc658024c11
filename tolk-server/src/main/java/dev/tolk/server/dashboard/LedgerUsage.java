package dev.tolk.server.dashboard;

import dev.tolk.store.usage.RecentUsage;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage per key and per session from the store's usage ledger, so the dashboard and {@code /admin/sessions} cover
 * every replica writing to the same database and survive restarts. The ledger is read at most every
 * {@link #REFRESH} over the last {@link #WINDOW}, whoever asks; while the store is not open or a read fails, the
 * numbers are this gateway's own since it started ({@code fallback}), and the source says so.
 */
public final class LedgerUsage implements UsageView {
    static final Duration WINDOW = Duration.ofHours(24);
    static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(LedgerUsage.class);

    private record Snapshot(long atMillis, List<KeyTotals> keys, List<SessionTotals> sessions, String source) {}

    private final Supplier<DataSource> dataSource;
    private final UsageView fallback;
    private final LongSupplier epochMillis;
    private Snapshot snapshot;
    private long lastWarningMillis = Long.MIN_VALUE;

    /** @param dataSource the store's open database, or null while it is not open */
    public LedgerUsage(Supplier<DataSource> dataSource, UsageView fallback, LongSupplier epochMillis) {
        this.dataSource = dataSource;
        this.fallback = fallback;
        this.epochMillis = epochMillis;
    }

    @Override
    public List<KeyTotals> keys() {
        return current().keys;
    }

    @Override
    public List<SessionTotals> sessions(int limit) {
        List<SessionTotals> all = current().sessions;
        return all.size() <= limit ? all : all.subList(0, limit);
    }

    @Override
    public String source() {
        return current().source;
    }

    private synchronized Snapshot current() {
        long now = epochMillis.getAsLong();
        if (snapshot == null || now - snapshot.atMillis >= REFRESH.toMillis()) {
            snapshot = read(now);
        }
        return snapshot;
    }

    private Snapshot read(long now) {
        DataSource ds = dataSource.get();
        if (ds != null) {
            try {
                RecentUsage ledger = new RecentUsage(ds);
                Instant since = Instant.ofEpochMilli(now).minus(WINDOW);
                List<KeyTotals> keys = ledger.keys(since).stream()
                        .map(k -> new KeyTotals(k.key(), k.requests(), k.errors(), k.inputTokens(), k.cachedTokens(),
                                k.outputTokens(), k.lastSeenEpochMillis()))
                        .toList();
                List<SessionTotals> sessions = ledger.sessions(since, InMemoryUsage.MAX_SESSIONS).stream()
                        .map(s -> new SessionTotals(s.session(), s.key(), s.turns(), s.errors(), s.inputTokens(),
                                s.cachedTokens(), s.outputTokens(), s.ttftP50Millis(), s.firstSeenEpochMillis(),
                                s.lastSeenEpochMillis(), s.clientModels(), s.upstreamModels()))
                        .toList();
                return new Snapshot(now, keys, sessions, "ledger, last 24 h");
            } catch (SQLException | RuntimeException e) {
                if (now - lastWarningMillis > Duration.ofMinutes(1).toMillis()) {
                    lastWarningMillis = now;
                    LOG.warn("the dashboard could not read the usage ledger ({}); showing this gateway's own numbers",
                            e.getMessage());
                }
            }
        }
        return new Snapshot(now, fallback.keys(), fallback.sessions(InMemoryUsage.MAX_SESSIONS),
                fallback.source() + " (the ledger is not readable now)");
    }
}
