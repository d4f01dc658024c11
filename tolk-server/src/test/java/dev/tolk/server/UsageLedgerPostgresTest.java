package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.sim.SimOptions;
import dev.tolk.store.testing.PostgresServer;
import dev.tolk.store.usage.UsageLedger;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger on a real PostgreSQL server: two gateway replicas write into one database, and a database that
 * stops under load neither fails nor slows a request, and the ledger catches up when it is back.
 */
class UsageLedgerPostgresTest {
    private static final String BODY = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":20,%s"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    private static HttpResponse<String> message(GatewayFixture g, int i) throws Exception {
        return g.post("/v1/messages", BODY.formatted(i % 2 == 0 ? "\"stream\":true," : ""),
                "x-claude-code-session-id", "session-" + (i % 5));
    }

    private static Set<String> ledgerIds(String jdbcUrl) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             ResultSet r = c.createStatement().executeQuery("SELECT request_id FROM usage_ledger")) {
            while (r.next()) {
                ids.add(r.getString(1));
            }
        }
        return ids;
    }

    @Test
    void twoReplicasOnOneDatabaseLedgerEveryRequestOfBoth() throws Exception {
        String url = PostgresServer.databaseFor(UsageLedgerPostgresTest.class);
        String name = url.substring(url.lastIndexOf('/') + 1);
        Set<String> sent = Collections.synchronizedSet(new HashSet<>());
        try (GatewayFixture a = new GatewayFixture(SimOptions.defaults(), c -> c.toBuilder().database(url).build());
             GatewayFixture b = new GatewayFixture(SimOptions.defaults(), c -> c.toBuilder().database(url).build());
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (GatewayFixture g : List.of(a, b)) {
                for (int t = 0; t < 2; t++) {
                    int offset = t;
                    done.add(clients.submit(() -> {
                        for (int i = 0; i < 30; i++) {
                            HttpResponse<String> r = message(g, i + offset);
                            assertThat(r.statusCode()).isEqualTo(200);
                            sent.add(r.headers().firstValue("request-id").orElseThrow());
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(a.tolk.usageLedger().orElseThrow().flush(Duration.ofSeconds(20))).isTrue();
            assertThat(b.tolk.usageLedger().orElseThrow().flush(Duration.ofSeconds(20))).isTrue();
            assertThat(a.tolk.usageLedger().orElseThrow().written()).isEqualTo(60);
            assertThat(b.tolk.usageLedger().orElseThrow().written()).isEqualTo(60);
            // either replica reads both replicas' rows
            assertThat(a.get("/admin/usage?by=session").body()).contains("\"total\":{\"requests\":120,");
        }
        assertThat(sent).hasSize(120);
        String jdbc = PostgresServer.sharedOrSkip().jdbcUrl(name);
        assertThat(ledgerIds(jdbc)).isEqualTo(sent);
    }

    @Test
    void aDatabaseStoppedUnderLoadNeitherFailsNorSlowsRequestsAndTheLedgerCatchesUp() throws Exception {
        PostgresServer pg;
        try {
            pg = PostgresServer.startNew();
        } catch (RuntimeException e) {
            PostgresServer.unavailable(e);
            return;
        }
        try (pg) {
            pg.createDatabase("ledger_outage");
            try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(),
                    c -> c.toBuilder().database(pg.url("ledger_outage")).build());
                 ExecutorService clients = Executors.newFixedThreadPool(3)) {
                AtomicInteger phase = new AtomicInteger(); // 0 before, 1 database stopped, 2 back, 3 done
                List<ConcurrentLinkedQueue<Long>> micros = List.of(new ConcurrentLinkedQueue<>(),
                        new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
                Set<String> sent = Collections.synchronizedSet(new HashSet<>());
                AtomicInteger failures = new AtomicInteger();
                for (int i = 0; i < 20; i++) { // warm the gateway and the simulator before measuring
                    message(g, i);
                    sent.add(message(g, i).headers().firstValue("request-id").orElseThrow());
                }
                sent.clear();
                long warmRequests = 40;
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int offset = t;
                    done.add(clients.submit(() -> {
                        for (int i = 0; i < 5_000 && phase.get() < 3; i++) {
                            int p = phase.get();
                            long start = System.nanoTime();
                            HttpResponse<String> r = message(g, i + offset);
                            long took = (System.nanoTime() - start) / 1_000;
                            if (r.statusCode() != 200 || !r.body().contains("end_turn")) {
                                failures.incrementAndGet();
                            }
                            sent.add(r.headers().firstValue("request-id").orElse("none"));
                            if (phase.get() == p) {
                                micros.get(p).add(took);
                            }
                            Thread.sleep(2);
                        }
                        return null;
                    }));
                }
                Thread.sleep(2_500);
                phase.set(1);
                pg.stop();
                Thread.sleep(4_000);
                UsageLedger ledger = g.tolk.usageLedger().orElseThrow();
                assertThat(ledger.pending()).as("rows wait while the database is away").isPositive();
                pg.start();
                phase.set(2);
                Thread.sleep(2_500);
                phase.set(3);
                for (Future<?> f : done) {
                    f.get();
                }

                assertThat(failures.get()).isZero();
                long before = median(micros.get(0));
                long during = median(micros.get(1));
                System.out.printf("ledger outage: median request %d µs before (%d requests), %d µs while stopped (%d),"
                        + " %d µs after (%d); slowest while stopped %d µs%n", before, micros.get(0).size(), during,
                        micros.get(1).size(), median(micros.get(2)), micros.get(2).size(), max(micros.get(1)));
                assertThat(micros.get(1)).hasSizeGreaterThan(50);
                assertThat(during).as("median µs while the database is stopped vs before (%d)", before)
                        .isLessThan(Math.max(2 * before, before + 5_000));
                assertThat(max(micros.get(1))).as("no request waited for the database").isLessThan(2_000_000);

                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ledger.pending() == 0);
                long requests = warmRequests + sent.size();
                assertThat(ledger.written() + ledger.dropped()).isEqualTo(requests);
                assertThat(ledger.dropped()).as("10,000 rows of buffer hold a 4 s outage at this rate").isZero();
                assertThat(g.get("/metrics").body()).contains("tolk_ledger_written_total " + requests + ".0")
                        .contains("tolk_ledger_dropped_total 0.0");
                assertThat(ledgerIds(pg.jdbcUrl("ledger_outage"))).containsAll(sent).hasSize((int) requests);
            }
        }
    }

    private static long median(ConcurrentLinkedQueue<Long> q) {
        List<Long> v = new ArrayList<>(q);
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    private static long max(ConcurrentLinkedQueue<Long> q) {
        return Collections.max(q);
    }
}
