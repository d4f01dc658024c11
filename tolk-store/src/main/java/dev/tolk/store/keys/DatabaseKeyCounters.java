package dev.tolk.store.keys;

import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyCounters;
import dev.tolk.core.keys.KeyUsage;
import dev.tolk.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key counters that several gateway replicas share through the store (docs/teams.md, "Shared counters").
 *
 * <ul>
 *   <li><b>max-concurrent</b> is held strictly: {@link #tryBegin} takes a lease in one transaction that locks the key
 *       ({@code SELECT … FOR UPDATE} on PostgreSQL, {@code BEGIN IMMEDIATE} on SQLite), drops expired leases, counts
 *       the live ones and inserts its own only under the limit. A lease expires {@link #LEASE_MILLIS} after it was
 *       last refreshed; this replica refreshes all of its own every {@link #LEASE_REFRESH_MILLIS}, so the leases of a
 *       replica that crashed free their slots within {@link #LEASE_MILLIS}.</li>
 *   <li><b>requests and tokens per minute, budget spent</b> are counted here and added to the store in one batch every
 *       {@link #FLUSH_MILLIS}; {@link #usage} reads the store's sums through a cache of {@link #CACHE_MILLIS} and adds
 *       what this replica has not written yet. Another replica's requests are therefore seen up to about two seconds
 *       late. The minute is the whole UTC minute (a request counts in the minute it began, its tokens in the minute
 *       and the budget period it ended in), as the admission decision counts it, so that a refusal's retry-after
 *       is when the count starts again from zero.</li>
 *   <li><b>The store unreachable</b>: nothing fails and nothing waits long. Counting goes on here and is written when
 *       the store is back; {@link #usage} answers from the last read plus this replica's own counts; max-concurrent
 *       falls back to this replica's own leases (so with N replicas up to N × the limit); after a failure the store is
 *       left alone for {@link #RETRY_MILLIS} so that requests do not each wait for a connection. Every failure is
 *       counted ({@link #failures}) and logged once per outage.</li>
 * </ul>
 *
 * {@link #usage} and {@link #tryBegin} may block on the store (a query at most once per key and second for usage, one
 * transaction per request for a key with max-concurrent): call them off the I/O threads. {@link #end} never blocks.
 */
public final class DatabaseKeyCounters implements KeyCounters, AutoCloseable {
    public static final long LEASE_MILLIS = 30_000;
    public static final long LEASE_REFRESH_MILLIS = 10_000;
    public static final long FLUSH_MILLIS = 1_000;
    public static final long CACHE_MILLIS = 1_000;
    public static final long RETRY_MILLIS = 5_000;
    private static final long MINUTE = 60_000;
    /** Marks a slot taken while the store was unreachable: nothing to delete when it ends. */
    private static final String LOCAL_SLOT = "";
    private static final String REFUSED = "refused";

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseKeyCounters.class);

    private final Supplier<Database> store;
    private final LongSupplier clock;
    private final String holder = UUID.randomUUID().toString();
    private final Map<String, KeyState> keys = new ConcurrentHashMap<>();
    private final LongAdder failures = new LongAdder();
    private final ScheduledExecutorService background;
    private volatile long storeAwayUntil;
    private volatile boolean failing;

    /**
     * @param store the open store, or null while it is not open (everything then runs as when it is unreachable)
     * @param clock epoch milliseconds, for the background work (flushes, lease refreshes)
     */
    public DatabaseKeyCounters(Supplier<Database> store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tolk-key-counters");
            t.setDaemon(true);
            return t;
        });
        background.scheduleWithFixedDelay(this::flushQuietly, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(this::refreshLeasesQuietly, LEASE_REFRESH_MILLIS, LEASE_REFRESH_MILLIS,
                TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(this::sweepQuietly, MINUTE, MINUTE, TimeUnit.MILLISECONDS);
    }

    /** What this replica knows of one key. Guarded by itself. */
    private static final class KeyState {
        final Deque<String> leases = new ArrayDeque<>();
        int inFlight;
        /** Not yet written: minute → {requests, tokens}; budget period start → tokens. */
        final Map<Long, long[]> pendingMinutes = new HashMap<>();
        final Map<Long, Long> pendingBudget = new HashMap<>();
        /** The store's sums at {@code readAt}, or null before the first read. */
        Snapshot snapshot;
    }

    private record Snapshot(long readAt, long minute, long[] current, long periodStart,
                            long budgetSpent, int othersInFlight) {
    }

    @Override
    public KeyUsage usage(ClientKey key, long nowMillis) {
        KeyState s = state(key);
        Snapshot snap;
        synchronized (s) {
            snap = s.snapshot;
        }
        long minute = nowMillis / MINUTE;
        long periodStart = periodStart(key, nowMillis);
        if (snap == null || nowMillis - snap.readAt >= CACHE_MILLIS || snap.minute != minute
                || snap.periodStart != periodStart) {
            Snapshot fresh = read(key, nowMillis, minute, periodStart);
            if (fresh != null) {
                synchronized (s) {
                    s.snapshot = snap = fresh;
                }
            }
        }
        synchronized (s) {
            long[] cur = new long[2];
            if (snap != null && snap.minute == minute) {
                add(cur, snap.current);
            }
            add(cur, s.pendingMinutes.get(minute));
            long spent = s.pendingBudget.getOrDefault(periodStart, 0L)
                    + (snap != null && snap.periodStart == periodStart ? snap.budgetSpent : 0);
            int others = snap == null ? 0 : snap.othersInFlight;
            return new KeyUsage(s.inFlight + others, (int) Math.min(Integer.MAX_VALUE, cur[0]), cur[1], spent);
        }
    }

    @Override
    public boolean tryBegin(ClientKey key, long nowMillis) {
        KeyState s = state(key);
        int max = key.limits().maxConcurrent();
        String lease = LOCAL_SLOT;
        if (max > 0) {
            String taken = takeLease(key.name(), max, nowMillis);
            if (taken == null) { // the store is away: this replica's own slots only
                synchronized (s) {
                    if (s.inFlight >= max) {
                        return false;
                    }
                }
            } else if (taken == REFUSED) {
                return false;
            } else {
                lease = taken;
            }
        }
        synchronized (s) {
            s.leases.push(lease);
            s.inFlight++;
            s.pendingMinutes.computeIfAbsent(nowMillis / MINUTE, m -> new long[2])[0]++;
        }
        return true;
    }

    @Override
    public void end(ClientKey key, long tokens, long nowMillis) {
        KeyState s = state(key);
        String lease;
        synchronized (s) {
            lease = s.leases.poll();
            if (lease == null) {
                return; // no slot taken: nothing to give back or count
            }
            s.inFlight--;
            if (tokens > 0) {
                s.pendingMinutes.computeIfAbsent(nowMillis / MINUTE, m -> new long[2])[1] += tokens;
                if (key.limits().budgetPeriod() != null) {
                    s.pendingBudget.merge(periodStart(key, nowMillis), tokens, Long::sum);
                }
            }
        }
        if (!lease.isEmpty()) {
            background.execute(() -> releaseLease(lease));
        }
    }

    /** How many times the store could not be reached or refused (counted, logged once per outage). */
    public long failures() {
        return failures.sum();
    }

    /** Writes what was counted here to the store now (tests; the background writes it every {@link #FLUSH_MILLIS}). */
    public void flush() throws SQLException {
        Database db = store.get();
        if (db == null) {
            return;
        }
        record Pending(String key, Map<Long, long[]> minutes, Map<Long, Long> budget) {
        }
        List<Pending> taken = new ArrayList<>();
        for (Map.Entry<String, KeyState> e : keys.entrySet()) {
            KeyState s = e.getValue();
            synchronized (s) {
                if (!s.pendingMinutes.isEmpty() || !s.pendingBudget.isEmpty()) {
                    taken.add(new Pending(e.getKey(), new HashMap<>(s.pendingMinutes), new HashMap<>(s.pendingBudget)));
                    s.pendingMinutes.clear();
                    s.pendingBudget.clear();
                }
            }
        }
        if (taken.isEmpty()) {
            return;
        }
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement m = c.prepareStatement("INSERT INTO key_minute_counters (key_name, minute, "
                    + "requests, tokens) VALUES (?, ?, ?, ?) ON CONFLICT (key_name, minute) DO UPDATE SET "
                    + "requests = key_minute_counters.requests + excluded.requests, "
                    + "tokens = key_minute_counters.tokens + excluded.tokens");
                 PreparedStatement b = c.prepareStatement("INSERT INTO key_budget_counters (key_name, period_start, "
                         + "tokens) VALUES (?, ?, ?) ON CONFLICT (key_name, period_start) DO UPDATE SET "
                         + "tokens = key_budget_counters.tokens + excluded.tokens")) {
                for (Pending p : taken) {
                    for (Map.Entry<Long, long[]> e : p.minutes.entrySet()) {
                        m.setString(1, p.key);
                        m.setLong(2, e.getKey());
                        m.setLong(3, e.getValue()[0]);
                        m.setLong(4, e.getValue()[1]);
                        m.addBatch();
                    }
                    for (Map.Entry<Long, Long> e : p.budget.entrySet()) {
                        b.setString(1, p.key);
                        b.setLong(2, e.getKey());
                        b.setLong(3, e.getValue());
                        b.addBatch();
                    }
                }
                m.executeBatch();
                b.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            // keep the counts for the next flush
            for (Pending p : taken) {
                KeyState s = keys.get(p.key);
                synchronized (s) {
                    p.minutes.forEach((minute, v) -> add(s.pendingMinutes.computeIfAbsent(minute, x -> new long[2]), v));
                    p.budget.forEach((period, v) -> s.pendingBudget.merge(period, v, Long::sum));
                }
            }
            throw e instanceof SQLException se ? se : new SQLException(e.getMessage(), e);
        }
        // the cached sums predate what was just written: add it, so that they stay right until the next read
        for (Pending p : taken) {
            KeyState s = keys.get(p.key);
            synchronized (s) {
                Snapshot o = s.snapshot;
                long newest = p.minutes.keySet().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
                if (o == null || o.minute < newest) {
                    o = new Snapshot(0, newest, new long[2], o == null ? 0 : o.periodStart,
                            o == null ? 0 : o.budgetSpent, o == null ? 0 : o.othersInFlight);
                }
                long[] cur = o.current.clone();
                add(cur, p.minutes.get(o.minute));
                long spent = o.budgetSpent + p.budget.getOrDefault(o.periodStart, 0L);
                s.snapshot = new Snapshot(o.readAt, o.minute, cur, o.periodStart, spent, o.othersInFlight);
            }
        }
    }

    /** Writes the last counts and gives this replica's leases back, unless the store has just failed (no waiting). */
    @Override
    public void close() {
        background.shutdown();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
            if (reachable() == null) {
                return; // away: the counts are lost, the leases expire by themselves
            }
            flush();
            releaseAllLeases();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("the key counters could not write their last counts to the store: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KeyState state(ClientKey key) {
        return keys.computeIfAbsent(key.name(), k -> new KeyState());
    }

    /** The start (epoch ms) of the key's budget period holding {@code nowMillis} (UTC day, ISO week, month); 0 without. */
    static long periodStart(ClientKey key, long nowMillis) {
        BudgetPeriod period = key.limits().budgetPeriod();
        if (period == null) {
            return 0;
        }
        LocalDate d = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (period) {
            case DAY -> d;
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> d.withDayOfMonth(1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static void add(long[] into, long[] v) {
        if (v != null) {
            into[0] += v[0];
            into[1] += v[1];
        }
    }

    /** The store, unless it failed within the last {@link #RETRY_MILLIS}. */
    private Database reachable() {
        if (clock.getAsLong() < storeAwayUntil) {
            return null;
        }
        return store.get();
    }

    private void storeFailed(String what, Exception e) {
        failures.increment();
        storeAwayUntil = clock.getAsLong() + RETRY_MILLIS;
        if (!failing) {
            failing = true;
            LOG.warn("the store is unreachable for the key counters ({}): limits are counted by this replica alone "
                    + "until it is back: {}", what, e.getMessage());
        }
    }

    private void storeWorked() {
        if (failing) {
            failing = false;
            LOG.info("the store is reachable again for the key counters");
        }
    }

    private Snapshot read(ClientKey key, long nowMillis, long minute, long periodStart) {
        Database db = reachable();
        if (db == null) {
            return null;
        }
        long[] cur = new long[2];
        long spent = 0;
        int others = 0;
        try (Connection c = db.dataSource().getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT requests, tokens FROM key_minute_counters "
                    + "WHERE key_name = ? AND minute = ?")) {
                s.setString(1, key.name());
                s.setLong(2, minute);
                try (ResultSet r = s.executeQuery()) {
                    if (r.next()) {
                        cur[0] = r.getLong(1);
                        cur[1] = r.getLong(2);
                    }
                }
            }
            if (key.limits().budgetPeriod() != null) {
                try (PreparedStatement s = c.prepareStatement("SELECT tokens FROM key_budget_counters "
                        + "WHERE key_name = ? AND period_start = ?")) {
                    s.setString(1, key.name());
                    s.setLong(2, periodStart);
                    try (ResultSet r = s.executeQuery()) {
                        spent = r.next() ? r.getLong(1) : 0;
                    }
                }
            }
            if (key.limits().maxConcurrent() > 0) {
                try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM key_leases "
                        + "WHERE key_name = ? AND holder <> ? AND expires_at >= ?")) {
                    s.setString(1, key.name());
                    s.setString(2, holder);
                    s.setLong(3, nowMillis);
                    try (ResultSet r = s.executeQuery()) {
                        others = r.next() ? r.getInt(1) : 0;
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            storeFailed("read usage", e);
            return null;
        }
        storeWorked();
        return new Snapshot(nowMillis, minute, cur, periodStart, spent, others);
    }

    /** The lease's id when one was taken; {@link #REFUSED} when all slots are taken; null: the store is away. */
    private String takeLease(String key, int max, long nowMillis) {
        Database db = reachable();
        if (db == null) {
            return null;
        }
        String id = UUID.randomUUID().toString();
        boolean sqlite = db.kind() == Database.Kind.SQLITE;
        try (Connection c = db.dataSource().getConnection()) {
            boolean taken;
            if (sqlite) {
                try (Statement st = c.createStatement()) {
                    st.execute("BEGIN IMMEDIATE"); // the file's write lock: one lease-taker at a time
                    try {
                        taken = countAndInsert(c, key, max, id, nowMillis);
                        st.execute("COMMIT");
                    } catch (SQLException | RuntimeException e) {
                        st.execute("ROLLBACK");
                        throw e;
                    }
                }
            } else {
                c.setAutoCommit(false);
                try {
                    if (!lockKey(c, key)) {
                        try (PreparedStatement s = c.prepareStatement(
                                "INSERT INTO key_concurrency (key_name) VALUES (?) ON CONFLICT DO NOTHING")) {
                            s.setString(1, key);
                            s.executeUpdate();
                        }
                        lockKey(c, key);
                    }
                    taken = countAndInsert(c, key, max, id, nowMillis);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
            storeWorked();
            return taken ? id : REFUSED;
        } catch (SQLException | RuntimeException e) {
            storeFailed("take a concurrency lease", e);
            return null;
        }
    }

    private static boolean lockKey(Connection c, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT key_name FROM key_concurrency WHERE key_name = ? FOR UPDATE")) {
            s.setString(1, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    private boolean countAndInsert(Connection c, String key, int max, String id, long nowMillis) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM key_leases WHERE key_name = ? AND expires_at < ?")) {
            s.setString(1, key);
            s.setLong(2, nowMillis);
            s.executeUpdate();
        }
        int live;
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM key_leases WHERE key_name = ?")) {
            s.setString(1, key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                live = r.getInt(1);
            }
        }
        if (live >= max) {
            return false;
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO key_leases (id, key_name, holder, expires_at) VALUES (?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, key);
            s.setString(3, holder);
            s.setLong(4, nowMillis + LEASE_MILLIS);
            s.executeUpdate();
        }
        return true;
    }

    private void releaseLease(String id) {
        Database db = store.get();
        if (db == null) {
            return;
        }
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM key_leases WHERE id = ?")) {
            s.setString(1, id);
            s.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            // it expires within LEASE_MILLIS, as a crashed replica's would
            storeFailed("give a concurrency lease back", e);
        }
    }

    private void releaseAllLeases() throws SQLException {
        Database db = store.get();
        if (db == null) {
            return;
        }
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM key_leases WHERE holder = ?")) {
            s.setString(1, holder);
            s.executeUpdate();
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (SQLException | RuntimeException e) {
            storeFailed("write counts", e);
        }
    }

    private void refreshLeasesQuietly() {
        Database db = store.get();
        if (db == null) {
            return;
        }
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE key_leases SET expires_at = ? WHERE holder = ?")) {
            s.setLong(1, clock.getAsLong() + LEASE_MILLIS);
            s.setString(2, holder);
            s.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            storeFailed("refresh concurrency leases", e);
        }
    }

    /** Drops minute counters no usage reads any more and leases nobody refreshed. */
    private void sweepQuietly() {
        Database db = store.get();
        if (db == null) {
            return;
        }
        long now = clock.getAsLong();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement m = c.prepareStatement("DELETE FROM key_minute_counters WHERE minute < ?");
             PreparedStatement l = c.prepareStatement("DELETE FROM key_leases WHERE expires_at < ?")) {
            m.setLong(1, now / MINUTE - 2);
            m.executeUpdate();
            l.setLong(1, now);
            l.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            storeFailed("sweep old counters", e);
        }
    }
}
