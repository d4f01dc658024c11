package dev.tolk.store.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.core.keys.KeyUsage;
import dev.tolk.store.Database;
import dev.tolk.store.testing.PostgresServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared counters on real databases: a SQLite file, and two replicas on one PostgreSQL. */
class DatabaseKeyCountersTest {
    private static final long T0 = 1_765_000_000_000L - 1_765_000_000_000L % 60_000 + 10_000; // 10 s into a minute

    @TempDir
    Path dir;

    private static ClientKey key(String name, int maxConcurrent) {
        return new ClientKey(name, new KeyLimits(maxConcurrent, 100, 1_000_000, 5_000_000, BudgetPeriod.DAY, 1,
                List.of()));
    }

    @Test
    void requestsTokensAndTheBudgetAreCountedAndTheBudgetSurvivesARestart() throws Exception {
        Path file = dir.resolve("tolk.db");
        ClientKey alice = key("alice", 0);
        AtomicLong clock = new AtomicLong(T0);
        try (Database db = Database.open(file.toString());
             DatabaseKeyCounters counters = new DatabaseKeyCounters(() -> db, clock::get)) {
            for (int i = 0; i < 3; i++) {
                assertThat(counters.tryBegin(alice, T0)).isTrue();
            }
            assertThat(counters.usage(alice, T0)).isEqualTo(new KeyUsage(3, 3, 0, 0));
            counters.end(alice, 100, T0);
            counters.end(alice, 50, T0);
            assertThat(counters.usage(alice, T0)).isEqualTo(new KeyUsage(1, 3, 150, 150));
            counters.flush();
            assertThat(counters.usage(alice, T0 + 1)).isEqualTo(new KeyUsage(1, 3, 150, 150));
            counters.end(alice, 10, T0);
        } // close writes the last counts
        try (Database db = Database.open(file.toString());
             DatabaseKeyCounters counters = new DatabaseKeyCounters(() -> db, clock::get)) {
            KeyUsage u = counters.usage(alice, T0 + 2_000);
            assertThat(u.budgetSpent()).isEqualTo(160);
            assertThat(u.tokensLastMinute()).isEqualTo(160);
            assertThat(u.requestsLastMinute()).isEqualTo(3);
            assertThat(u.inFlight()).isZero();
            // a new UTC minute starts from zero (as the admission decision's retry-after says), the budget goes on
            KeyUsage next = counters.usage(alice, T0 + 60_000);
            assertThat(next.requestsLastMinute()).isZero();
            assertThat(next.tokensLastMinute()).isZero();
            assertThat(next.budgetSpent()).isEqualTo(160);
            // a new day: a new budget
            assertThat(counters.usage(alice, T0 + 86_400_000L).budgetSpent()).isZero();
        }
    }

    @Test
    void aBudgetIsCountedPerUtcDayIsoWeekAndMonth() {
        long sunday = java.time.Instant.parse("2026-12-06T14:30:00Z").toEpochMilli();
        assertThat(DatabaseKeyCounters.periodStart(key("d", 0), sunday))
                .isEqualTo(java.time.Instant.parse("2026-12-06T00:00:00Z").toEpochMilli());
        ClientKey week = new ClientKey("w", new KeyLimits(0, 0, 0, 10, BudgetPeriod.WEEK, 1, List.of()));
        assertThat(DatabaseKeyCounters.periodStart(week, sunday))
                .isEqualTo(java.time.Instant.parse("2026-11-30T00:00:00Z").toEpochMilli());
        ClientKey month = new ClientKey("m", new KeyLimits(0, 0, 0, 10, BudgetPeriod.MONTH, 1, List.of()));
        assertThat(DatabaseKeyCounters.periodStart(month, sunday))
                .isEqualTo(java.time.Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void maxConcurrentHoldsOnSqliteAndASlotGivenBackCanBeTakenAgain() {
        ClientKey bob = key("bob", 2);
        try (Database db = Database.open(dir.resolve("tolk.db").toString());
             DatabaseKeyCounters counters = new DatabaseKeyCounters(() -> db, () -> T0)) {
            assertThat(counters.tryBegin(bob, T0)).isTrue();
            assertThat(counters.tryBegin(bob, T0)).isTrue();
            assertThat(counters.tryBegin(bob, T0)).isFalse();
            counters.end(bob, 0, T0);
            org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS)
                    .until(() -> counters.tryBegin(bob, T0));
            assertThat(counters.tryBegin(bob, T0)).isFalse();
        }
    }

    @Test
    void twoReplicasOnOnePostgresqlNeverHoldMoreThanMaxConcurrentTogether() throws Exception {
        String url = PostgresServer.databaseFor(DatabaseKeyCountersTest.class);
        ClientKey carol = key("carol", 2);
        long now = System.currentTimeMillis();
        try (Database a = Database.open(url); Database b = Database.open(url);
             DatabaseKeyCounters one = new DatabaseKeyCounters(() -> a, System::currentTimeMillis);
             DatabaseKeyCounters two = new DatabaseKeyCounters(() -> b, System::currentTimeMillis)) {
            // 8 threads, 4 on each replica, all asking at once, several rounds
            for (int round = 0; round < 5; round++) {
                CyclicBarrier start = new CyclicBarrier(8);
                AtomicInteger admitted = new AtomicInteger();
                List<Thread> threads = new ArrayList<>();
                List<DatabaseKeyCounters> holders = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int i = 0; i < 8; i++) {
                    DatabaseKeyCounters replica = i % 2 == 0 ? one : two;
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        if (replica.tryBegin(carol, now)) {
                            admitted.incrementAndGet();
                            holders.add(replica);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join(30_000);
                }
                assertThat(admitted.get()).as("round %d", round).isEqualTo(2);
                assertThat(countLeases(a)).isEqualTo(2);
                for (DatabaseKeyCounters h : holders) {
                    h.end(carol, 1, now);
                }
                org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> countLeases(a) == 0);
            }
            assertThat(one.failures() + two.failures()).isZero();
            // both replicas see the requests of both within a flush and a cache period
            one.flush();
            two.flush();
            assertThat(sum(a, "key_minute_counters", "requests", "carol")).isEqualTo(10);
            assertThat(two.usage(carol, now + 1_500).budgetSpent()).isEqualTo(10);
            assertThat(one.usage(carol, now + 1_500).budgetSpent()).isEqualTo(10);
        }
    }

    @Test
    void aCrashedReplicasLeasesExpireAndFreeTheirSlots() throws Exception {
        String url = PostgresServer.databaseFor(DatabaseKeyCountersTest.class);
        ClientKey dave = key("dave", 1);
        long now = System.currentTimeMillis();
        try (Database a = Database.open(url); Database b = Database.open(url);
             DatabaseKeyCounters two = new DatabaseKeyCounters(() -> b, System::currentTimeMillis)) {
            DatabaseKeyCounters crashed = new DatabaseKeyCounters(() -> a, System::currentTimeMillis);
            assertThat(crashed.tryBegin(dave, now)).isTrue();
            assertThat(two.tryBegin(dave, now)).isFalse();
            assertThat(two.usage(dave, now).inFlight()).isEqualTo(1);
            // the crashed replica never ends its request nor refreshes its lease: after LEASE_MILLIS it is gone
            assertThat(two.tryBegin(dave, now + DatabaseKeyCounters.LEASE_MILLIS + 1)).isTrue();
        }
    }

    @Test
    void anUnreachableStoreNeitherFailsNorBlocksAndLimitsFallBackToThisReplica() throws Exception {
        PostgresServer server;
        try {
            server = PostgresServer.startNew();
        } catch (RuntimeException e) {
            PostgresServer.unavailable(e);
            return;
        }
        try (server) {
            server.createDatabase("tolk");
            ClientKey erin = key("erin", 2);
            AtomicReference<Database> store = new AtomicReference<>(Database.open(server.url("tolk")));
            long now = System.currentTimeMillis();
            try (DatabaseKeyCounters counters = new DatabaseKeyCounters(store::get, System::currentTimeMillis)) {
                assertThat(counters.tryBegin(erin, now)).isTrue();
                counters.end(erin, 40, now);
                counters.flush();
                server.stop();
                long started = System.nanoTime();
                assertThat(counters.tryBegin(erin, now)).isTrue();
                assertThat(counters.tryBegin(erin, now)).isTrue();
                assertThat(counters.tryBegin(erin, now)).as("this replica's own two slots").isFalse();
                KeyUsage u = counters.usage(erin, now); // the minute the requests were counted in
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(10_000);
                assertThat(u.inFlight()).isEqualTo(2);
                assertThat(u.requestsLastMinute()).isEqualTo(3);
                assertThat(counters.failures()).isPositive();
                counters.end(erin, 60, now);
                counters.end(erin, 0, now);
                server.start();
                // the counts made while it was away reach the store once it is back
                CountDownLatch written = new CountDownLatch(1);
                org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> {
                    try {
                        counters.flush();
                    } catch (java.sql.SQLException e) {
                        return false;
                    }
                    written.countDown();
                    return sum(store.get(), "key_budget_counters", "tokens", "erin") == 100;
                });
            } finally {
                store.get().close();
            }
        }
    }

    private static int countLeases(Database db) throws Exception {
        try (var c = db.dataSource().getConnection();
             var r = c.createStatement().executeQuery("SELECT count(*) FROM key_leases")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static long sum(Database db, String table, String column, String key) throws Exception {
        try (var c = db.dataSource().getConnection();
             var s = c.prepareStatement("SELECT coalesce(sum(" + column + "), 0) FROM " + table + " WHERE key_name = ?")) {
            s.setString(1, key);
            try (var r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
