package dev.tolk.server.store;

import dev.tolk.core.keys.KeyCounters;
import dev.tolk.store.Database;
import dev.tolk.store.keys.DatabaseKeyCounters;
import dev.tolk.store.keys.KeyDirectory;
import dev.tolk.store.keys.KeyRepository;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's store (docs/teams.md): opened when the gateway starts, or, when the database is away then, retried
 * every {@link #RETRY_SECONDS} in the background while the gateway serves; the keys in memory ({@link KeyDirectory})
 * reloaded every {@link KeyDirectory#REFRESH_MILLIS}; the shared key counters; hooks for whatever else needs the
 * database once it is open ({@link #whenOpen}: the usage ledger). Closed when the gateway stops.
 */
public final class GatewayStore implements AutoCloseable {
    public static final int RETRY_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayStore.class);

    private final String location;
    private final String description;
    private final ScheduledExecutorService timer;
    private final KeyDirectory keys;
    private final DatabaseKeyCounters counters;
    private final List<Consumer<Database>> openHooks = new CopyOnWriteArrayList<>();
    private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.CountDownLatch firstAttempt = new java.util.concurrent.CountDownLatch(1);
    private volatile Database database;
    private volatile KeyRepository repository;
    private volatile boolean closed;

    private GatewayStore(String location) {
        this.location = location;
        this.description = Database.describe(location);
        this.keys = new KeyDirectory(() -> repository);
        this.counters = new DatabaseKeyCounters(() -> database, System::currentTimeMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tolk-store");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts opening the store at {@code location} (a SQLite file or a {@code postgresql://} URL) and loading its keys
     * on the store's own thread, so that the gateway sets itself up meanwhile; {@link #awaitFirstAttempt} waits for
     * that first attempt. A store that cannot be opened is logged and retried in the background; this never throws
     * for that.
     */
    public static GatewayStore open(String location) {
        GatewayStore s = new GatewayStore(location);
        s.timer.execute(() -> {
            try {
                if (!s.tryOpen()) {
                    s.timer.schedule(s::retry, RETRY_SECONDS, TimeUnit.SECONDS);
                }
            } finally {
                s.firstAttempt.countDown();
            }
        });
        s.timer.scheduleWithFixedDelay(s.keys::refresh, KeyDirectory.REFRESH_MILLIS, KeyDirectory.REFRESH_MILLIS,
                TimeUnit.MILLISECONDS);
        return s;
    }

    /**
     * Waits until the first attempt to open the store has succeeded or failed (at most {@code timeout}): the gateway
     * starts listening only then, so that a store's keys apply from its first request.
     */
    public void awaitFirstAttempt(java.time.Duration timeout) {
        try {
            firstAttempt.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void retry() {
        if (!closed && !tryOpen()) {
            timer.schedule(this::retry, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    private synchronized boolean tryOpen() {
        if (closed) {
            return true;
        }
        Database db;
        try {
            db = Database.open(location);
        } catch (RuntimeException e) { // StoreException, or a driver that failed in its own way
            LOG.warn("the store {} cannot be opened; the gateway serves without it (no store keys, no ledger) and "
                    + "tries again every {} s: {}", description, RETRY_SECONDS, e.getMessage());
            return false;
        }
        repository = new KeyRepository(db);
        database = db;
        keys.refresh();
        LOG.info("store {} open ({} keys)", db.description(), keys.size());
        for (Consumer<Database> hook : openHooks) {
            runHook(hook, db);
        }
        return true;
    }

    /** Runs {@code hook} with the database once it is open: now if it is, else when the background retry opens it. */
    public synchronized void whenOpen(Consumer<Database> hook) {
        openHooks.add(hook);
        if (database != null) {
            runHook(hook, database);
        }
    }

    /** Runs {@code hook} when the gateway stops, before the database closes (a writer's last batch). */
    public void beforeClose(Runnable hook) {
        closeHooks.add(hook);
    }

    private static void runHook(Consumer<Database> hook, Database db) {
        try {
            hook.accept(db);
        } catch (RuntimeException e) {
            LOG.error("a store hook failed", e);
        }
    }

    /** The open database, or null while it could not be opened. */
    public Database database() {
        return database;
    }

    /** The open database's connections, or null while it could not be opened (a writer keeps its rows meanwhile). */
    public javax.sql.DataSource dataSource() {
        Database db = database;
        return db == null ? null : db.dataSource();
    }

    public boolean isOpen() {
        return database != null;
    }

    /** The keys, or null while the store is not open. */
    public KeyRepository repository() {
        return repository;
    }

    /** Where the store is, without a password. */
    public String description() {
        return description;
    }

    /** The store keys in memory, by digest (empty until the store is open). */
    public KeyDirectory keys() {
        return keys;
    }

    /** Key counters shared through the store with every replica on the same database. */
    public KeyCounters counters() {
        return counters;
    }

    /** How often the shared counters could not reach the store. */
    public long counterFailures() {
        return counters.failures();
    }

    @Override
    public synchronized void close() {
        closed = true;
        timer.shutdownNow();
        for (Runnable hook : closeHooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.error("a store hook failed at close", e);
            }
        }
        counters.close();
        Database db = database;
        if (db != null) {
            db.close();
        }
    }
}
