package dev.tolk.store.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the usage ledger off the request path. {@link #record} only offers the row to a bounded buffer and never
 * blocks or throws; one writer thread takes what has gathered (at most every {@code linger}, at once when a batch is
 * full) and inserts it as one JDBC batch in one transaction. While the database is slow the buffer fills; while it is
 * away the writer keeps its batch and retries with a growing pause (up to 5 s), so rows still buffered are written
 * when it comes back. A row that finds the buffer full is dropped and counted ({@link #dropped}); so is a batch the
 * database refuses three times while reachable (bad data, not an outage), and what is left unwritten when
 * {@link #close} runs out of time. At every moment rows offered = {@link #written} + {@link #dropped} +
 * {@link #pending}.
 */
public final class UsageLedger implements AutoCloseable {
    public static final int DEFAULT_CAPACITY = 10_000;
    public static final int BATCH = 500;
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(100);
    private static final Logger LOG = LoggerFactory.getLogger(UsageLedger.class);
    private static final long LOG_INTERVAL_NANOS = Duration.ofSeconds(30).toNanos();
    private static final long MAX_PAUSE_MILLIS = 5_000;
    private static final int REFUSALS_BEFORE_DROP = 3;

    static final String INSERT = "INSERT INTO usage_ledger (request_id, started_at, key_name, session_id, client_model,"
            + " upstream_model, upstream, status, input_tokens, cached_tokens, output_tokens, ttft_ms, duration_ms,"
            + " stop_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING";

    /** The database, or null while the store is not open yet (the rows wait as during an outage). */
    private final Supplier<DataSource> dataSource;
    private final ArrayBlockingQueue<UsageRow> buffer;
    private final long lingerNanos;
    private final LongSupplier nanoClock = System::nanoTime;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Rows the buffer took (counted before the offer, so that {@link #pending} is never below what is there). */
    private final AtomicLong accepted = new AtomicLong();
    /** Of those, the rows the writer gave up on (refused batches, shutdown). */
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private final Thread writer;
    private final Object wake = new Object();

    private long lastDropLogNanos;
    private long dropsSinceLog;
    private long lastFailureLogNanos;
    private boolean failing;

    public UsageLedger(DataSource dataSource) {
        this(() -> dataSource, DEFAULT_CAPACITY, DEFAULT_LINGER);
    }

    public UsageLedger(DataSource dataSource, int capacity, Duration linger) {
        this(() -> dataSource, capacity, linger);
    }

    /** {@code dataSource} answers null while the store is not open: rows are buffered until it is. */
    public UsageLedger(Supplier<DataSource> dataSource, int capacity, Duration linger) {
        this.dataSource = dataSource;
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.lingerNanos = linger.toNanos();
        this.writer = Thread.ofPlatform().daemon().name("tolk-ledger").unstarted(this::run);
        writer.start();
    }

    /** Buffers {@code row} for the writer; when the buffer is full the row is dropped and counted. Never blocks. */
    public void record(UsageRow row) {
        accepted.incrementAndGet();
        if (closing || !buffer.offer(row)) {
            accepted.decrementAndGet();
            drop(1, "the ledger's buffer is full (the database is slow or away)");
        }
    }

    /** Rows inserted (or found already there: a batch retried after a commit whose answer was lost). */
    public long written() {
        return written.get();
    }

    /** Rows lost: the buffer was full, the database refused them, or shutdown ran out of time. */
    public long dropped() {
        return dropped.get();
    }

    /** Rows buffered or being written. */
    public long pending() {
        return accepted.get() - written.get() - lost.get();
    }

    /** Waits until every row offered so far is written or dropped, at most {@code timeout}; true if it got there. */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = nanoClock.getAsLong() + timeout.toNanos();
        synchronized (wake) {
            wake.notifyAll();
        }
        while (pending() > 0) {
            if (nanoClock.getAsLong() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Writes what is buffered within {@code grace}, then drops (and counts) what is left. */
    public void close(Duration grace) {
        closeDeadlineNanos = nanoClock.getAsLong() + grace.toNanos();
        closing = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            writer.join(Math.max(1, grace.toMillis() + 200));
            if (writer.isAlive()) { // waiting on the pool for a connection to a database that is away
                writer.interrupt();
                writer.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void run() {
        List<UsageRow> batch = new ArrayList<>(BATCH);
        int refusals = 0;
        int outages = 0;
        while (true) {
            if (batch.isEmpty()) {
                if (!gather(batch)) {
                    return;
                }
            }
            try {
                insert(batch);
                written.addAndGet(batch.size());
                recovered();
                batch.clear();
                refusals = 0;
                outages = 0;
                continue;
            } catch (SQLException | RuntimeException e) {
                if (away(e)) {
                    outages++;
                } else if (++refusals >= REFUSALS_BEFORE_DROP) {
                    LOG.warn("ledger: the database refused a batch of {} rows {} times; dropped: {}", batch.size(),
                            refusals, brief(e));
                    lose(batch.size());
                    batch.clear();
                    refusals = 0;
                    continue;
                }
                failed(e, batch.size());
            }
            if (closing && nanoClock.getAsLong() - closeDeadlineNanos > 0) {
                break;
            }
            pause(Math.min(MAX_PAUSE_MILLIS, 100L << Math.min(6, Math.max(outages, refusals))));
        }
        // shutdown ran out of time with the database away: what is left is lost
        long left = batch.size() + buffer.drainTo(new ArrayList<>());
        if (left > 0) {
            lose(left);
            LOG.warn("ledger: {} rows not written at shutdown (the database did not answer within the grace)", left);
        }
    }

    /**
     * Fills {@code batch} with what has gathered: waits for a first row, then up to the linger for more unless a batch
     * is full. False when closing and nothing is left.
     */
    private boolean gather(List<UsageRow> batch) {
        try {
            UsageRow first;
            while ((first = buffer.poll(closing ? 0 : 200, TimeUnit.MILLISECONDS)) == null) {
                if (closing) {
                    return false;
                }
            }
            batch.add(first);
            if (!closing && buffer.size() < BATCH - 1) {
                synchronized (wake) {
                    TimeUnit.NANOSECONDS.timedWait(wake, lingerNanos);
                }
            }
        } catch (InterruptedException e) {
            if (batch.isEmpty()) {
                return false;
            }
        }
        buffer.drainTo(batch, BATCH - batch.size());
        return true;
    }

    private void insert(List<UsageRow> batch) throws SQLException {
        DataSource ds = dataSource.get();
        if (ds == null) {
            throw new SQLTransientConnectionException("the store is not open yet");
        }
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(INSERT)) {
                s.setQueryTimeout(10);
                for (UsageRow r : batch) {
                    s.setString(1, r.requestId());
                    s.setLong(2, r.startedAtEpochMillis());
                    s.setString(3, r.key() == null ? "-" : r.key());
                    s.setString(4, r.sessionId());
                    s.setString(5, r.clientModel());
                    s.setString(6, r.upstreamModel());
                    s.setString(7, r.upstream());
                    s.setInt(8, r.status());
                    s.setLong(9, r.inputTokens());
                    s.setLong(10, r.cachedTokens());
                    s.setLong(11, r.outputTokens());
                    if (r.ttftMillis() < 0) {
                        s.setNull(12, Types.DOUBLE);
                    } else {
                        s.setDouble(12, r.ttftMillis());
                    }
                    s.setDouble(13, r.durationMillis());
                    s.setString(14, r.stopReason());
                    s.addBatch();
                }
                s.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the pool drops it
                }
                throw e;
            }
        }
    }

    /**
     * The database is away (unreachable, restarting, out of connections) rather than refusing the rows: retried until
     * it is back. SQL states of class 08 are connection errors, 57 an operator intervention (a server shutting down).
     */
    static boolean away(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof java.io.IOException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57"))) {
                    return true;
                }
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6): another writer holds the file
                if (state == null && (s.getErrorCode() == 5 || s.getErrorCode() == 6)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The failure in one short line: a batch's exception quotes the whole statement with its values, its cause says
     * what went wrong.
     */
    static String brief(Throwable e) {
        Throwable t = e;
        if (e instanceof java.sql.BatchUpdateException b && b.getNextException() != null) {
            t = b.getNextException();
        } else if (e instanceof java.sql.BatchUpdateException && e.getCause() != null) {
            t = e.getCause();
        }
        String m = t.getClass().getSimpleName() + ": " + t.getMessage();
        int line = m.indexOf('\n');
        m = line < 0 ? m : m.substring(0, line);
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    private void pause(long millis) {
        synchronized (wake) {
            try {
                // close() wakes the writer so that shutdown retries at once rather than after the pause
                wake.wait(closing ? Math.min(millis, 100) : millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void lose(long n) {
        lost.addAndGet(n);
        dropped.addAndGet(n);
    }

    private void drop(int n, String why) {
        dropped.addAndGet(n);
        long now = nanoClock.getAsLong();
        synchronized (this) {
            dropsSinceLog += n;
            if (lastDropLogNanos == 0 || now - lastDropLogNanos > LOG_INTERVAL_NANOS) {
                LOG.warn("ledger: dropped {} rows: {} (tolk_ledger_dropped_total counts them; at most one such "
                        + "line every 30 s)", dropsSinceLog, why);
                lastDropLogNanos = now;
                dropsSinceLog = 0;
            }
        }
    }

    private void failed(Throwable e, int rows) {
        long now = nanoClock.getAsLong();
        if (!failing || now - lastFailureLogNanos > LOG_INTERVAL_NANOS) {
            LOG.warn("ledger: cannot write {} rows, retrying ({} buffered): {}", rows, buffer.size(), brief(e));
            lastFailureLogNanos = now;
        }
        failing = true;
    }

    private void recovered() {
        if (failing) {
            LOG.info("ledger: writing again ({} buffered)", buffer.size());
            failing = false;
        }
    }
}
