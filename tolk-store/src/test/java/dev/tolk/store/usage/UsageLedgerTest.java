package dev.tolk.store.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.store.Database;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageLedgerTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    @TempDir
    Path dir;

    static UsageRow row(String id, Instant at, String key, String session, String model, String upstream, int status,
                        long in, long cached, long out, double ttft) {
        return new UsageRow(id, at.toEpochMilli(), key, session, "claude-sonnet-4-5", model, upstream, status, in,
                cached, out, ttft, 250.5, status == 200 ? "end_turn" : null);
    }

    @Test
    void rowsAreWrittenInBatchesAndTheReportSumsThemByEachGrouping() throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString());
             UsageLedger ledger = new UsageLedger(db.dataSource())) {
            ledger.record(row("req_1", T0, "alice", "s1", "qwen3", "gpu-a", 200, 100, 900, 50, 40));
            ledger.record(row("req_2", T0.plusSeconds(60), "alice", "s1", "qwen3", "gpu-a", 200, 50, 950, 20, 60));
            ledger.record(row("req_3", T0.plus(Duration.ofDays(1)), "bob", "s2", "qwen3-8b", "gpu-b", 529, 0, 0, 0,
                    -1));
            ledger.record(row("req_4", T0.plus(Duration.ofDays(1)), "bob", null, "qwen3", "gpu-b", 200, 10, 0, 5, 80));
            assertThat(ledger.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(ledger.written()).isEqualTo(4);
            assertThat(ledger.dropped()).isZero();

            UsageQuery q = new UsageQuery(db.dataSource());
            UsageQuery.Report byKey = q.report(UsageQuery.GroupBy.KEY, T0.minusSeconds(1));
            assertThat(byKey.groups()).extracting(UsageQuery.Totals::group).containsExactly("alice", "bob");
            UsageQuery.Totals alice = byKey.groups().get(0);
            assertThat(alice.requests()).isEqualTo(2);
            assertThat(alice.errors()).isZero();
            assertThat(alice.inputTokens()).isEqualTo(150);
            assertThat(alice.cachedTokens()).isEqualTo(1850);
            assertThat(alice.outputTokens()).isEqualTo(70);
            assertThat(alice.cacheShare()).isEqualTo(1850.0 / 2000);
            assertThat(alice.ttftP50Millis()).isEqualTo(50.0);
            UsageQuery.Totals bob = byKey.groups().get(1);
            assertThat(bob.errors()).isEqualTo(1);
            assertThat(bob.ttftP50Millis()).as("only requests that sent a token").isEqualTo(80.0);
            assertThat(byKey.total().requests()).isEqualTo(4);
            assertThat(byKey.total().ttftP50Millis()).isEqualTo(60.0);

            assertThat(q.report(UsageQuery.GroupBy.SESSION, T0).groups()).extracting(UsageQuery.Totals::group)
                    .containsExactlyInAnyOrder("s1", "s2", "-");
            assertThat(q.report(UsageQuery.GroupBy.MODEL, T0).groups())
                    .extracting(UsageQuery.Totals::group, UsageQuery.Totals::requests)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("qwen3", 3L),
                            org.assertj.core.groups.Tuple.tuple("qwen3-8b", 1L));
            assertThat(q.report(UsageQuery.GroupBy.UPSTREAM, T0).groups()).extracting(UsageQuery.Totals::group)
                    .containsExactlyInAnyOrder("gpu-a", "gpu-b");
            assertThat(q.report(UsageQuery.GroupBy.DAY, T0).groups()).extracting(UsageQuery.Totals::group)
                    .containsExactly("2026-12-05", "2026-12-06");
            assertThat(q.report(UsageQuery.GroupBy.KEY, T0.plusSeconds(1)).total().requests())
                    .as("since leaves out what came before").isEqualTo(3);

            try (Connection c = db.dataSource().getConnection();
                 ResultSet r = c.createStatement().executeQuery(
                         "SELECT ttft_ms, duration_ms, stop_reason, client_model FROM usage_ledger"
                                 + " WHERE request_id = 'req_3'")) {
                assertThat(r.next()).isTrue();
                r.getDouble(1);
                assertThat(r.wasNull()).as("no token: null ttft").isTrue();
                assertThat(r.getDouble(2)).isEqualTo(250.5);
                assertThat(r.getString(3)).isNull();
                assertThat(r.getString(4)).isEqualTo("claude-sonnet-4-5");
            }
        }
    }

    @Test
    void aRowRecordedTwiceIsStoredOnce() throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString());
             UsageLedger ledger = new UsageLedger(db.dataSource())) {
            ledger.record(row("req_same", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            assertThat(ledger.flush(Duration.ofSeconds(10))).isTrue();
            ledger.record(row("req_same", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            assertThat(ledger.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(new UsageQuery(db.dataSource()).report(UsageQuery.GroupBy.KEY, T0).total().requests())
                    .isEqualTo(1);
        }
    }

    @Test
    void whileTheDatabaseIsAwayRowsWaitInTheBufferTheOverflowIsCountedAndTheRestIsWrittenWhenItIsBack()
            throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            Switchable ds = new Switchable(db.dataSource());
            ds.away = true;
            try (UsageLedger ledger = new UsageLedger(ds, 1_000, Duration.ofMillis(10))) {
                long start = System.nanoTime();
                for (int i = 0; i < 3_000; i++) {
                    ledger.record(row("req_" + i, T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
                }
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(tookMillis).as("recording never waits for the database").isLessThan(2_000);
                Thread.sleep(300);
                assertThat(ledger.written()).isZero();
                // the buffer holds 1,000 and the writer one batch taken before it found the database away
                assertThat(ledger.dropped()).isBetween(3_000L - 1_000 - UsageLedger.BATCH, 2_000L);
                assertThat(ledger.written() + ledger.dropped() + ledger.pending()).isEqualTo(3_000);

                ds.away = false;
                assertThat(ledger.flush(Duration.ofSeconds(20))).isTrue();
                assertThat(ledger.written() + ledger.dropped()).isEqualTo(3_000);
                assertThat(ledger.written()).isGreaterThanOrEqualTo(1_000);
                assertThat(new UsageQuery(db.dataSource()).report(UsageQuery.GroupBy.KEY, T0).total().requests())
                        .isEqualTo(ledger.written());
            }
        }
    }

    @Test
    void aBatchTheDatabaseRefusesIsDroppedAndCountedAndTheWriterGoesOn() throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString());
             UsageLedger ledger = new UsageLedger(db.dataSource(), 100, Duration.ofMillis(10))) {
            try (Connection c = db.dataSource().getConnection()) {
                c.createStatement().execute("ALTER TABLE usage_ledger RENAME TO usage_ledger_gone");
            }
            ledger.record(row("req_a", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger.dropped() == 1);
            try (Connection c = db.dataSource().getConnection()) {
                c.createStatement().execute("ALTER TABLE usage_ledger_gone RENAME TO usage_ledger");
            }
            ledger.record(row("req_b", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            assertThat(ledger.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(ledger.written()).isEqualTo(1);
        }
    }

    @Test
    void closeWritesWhatIsBufferedAndDropsOnlyWhatTheGraceCannotSave() throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            UsageLedger ledger = new UsageLedger(db.dataSource(), 10_000, Duration.ofSeconds(5));
            for (int i = 0; i < 1_200; i++) {
                ledger.record(row("req_" + i, T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            }
            ledger.close(Duration.ofSeconds(10));
            assertThat(ledger.written()).isEqualTo(1_200);
            assertThat(new UsageQuery(db.dataSource()).report(UsageQuery.GroupBy.KEY, T0).total().requests())
                    .isEqualTo(1_200);

            Switchable ds = new Switchable(db.dataSource());
            ds.away = true;
            UsageLedger away = new UsageLedger(ds, 10_000, Duration.ofMillis(10));
            for (int i = 0; i < 10; i++) {
                away.record(row("req_x" + i, T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            }
            long start = System.nanoTime();
            away.close(Duration.ofMillis(500));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(away.dropped()).isEqualTo(10);
            assertThat(away.pending()).isZero();
            away.record(row("req_late", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
            assertThat(away.dropped()).as("after close a row is dropped and counted").isEqualTo(11);
        }
    }

    @Test
    void rowsRecordedBeforeTheStoreIsOpenAreWrittenOnceItIs() throws Exception {
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            java.util.concurrent.atomic.AtomicReference<DataSource> open = new java.util.concurrent.atomic.AtomicReference<>();
            try (UsageLedger ledger = new UsageLedger(open::get, 100, Duration.ofMillis(10))) {
                ledger.record(row("req_early", T0, "k", null, "m", "u", 200, 1, 0, 1, 1));
                Thread.sleep(200);
                assertThat(ledger.pending()).isEqualTo(1);
                open.set(db.dataSource());
                assertThat(ledger.flush(Duration.ofSeconds(10))).isTrue();
                assertThat(ledger.written()).isEqualTo(1);
            }
        }
    }

    @Test
    void connectionFailuresAreAnOutageAndOtherErrorsARefusal() {
        assertThat(UsageLedger.away(new SQLTransientConnectionException("pool timeout"))).isTrue();
        assertThat(UsageLedger.away(new SQLException("connection refused", "08001"))).isTrue();
        assertThat(UsageLedger.away(new SQLException("terminating connection", "57P01"))).isTrue();
        assertThat(UsageLedger.away(new SQLException("no such table", null, 1))).isFalse();
        assertThat(UsageLedger.away(new SQLException("value too long", "22001"))).isFalse();
    }

    /** The real database behind a switch: while away, a connection cannot be had (as from a pool that cannot connect). */
    static final class Switchable implements DataSource {
        final DataSource real;
        volatile boolean away;

        Switchable(DataSource real) {
            this.real = real;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (away) {
                throw new SQLTransientConnectionException("the database is away");
            }
            return real.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
