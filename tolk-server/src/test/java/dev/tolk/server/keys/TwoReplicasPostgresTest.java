package dev.tolk.server.keys;

import static dev.tolk.server.keys.StoreKeysGatewayTest.create;
import static dev.tolk.server.keys.StoreKeysGatewayTest.message;
import static dev.tolk.server.keys.StoreKeysGatewayTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyCounters;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import dev.tolk.store.testing.PostgresServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two gateway replicas on one real PostgreSQL database share keys and max-concurrent. */
class TwoReplicasPostgresTest {
    SimServer sim;
    TolkServer one;
    TolkServer two;
    String db;

    @BeforeEach
    void start() {
        db = PostgresServer.databaseFor(TwoReplicasPostgresTest.class);
        sim = SimServer.start(SimOptions.defaults());
        one = replica();
        two = replica();
    }

    private TolkServer replica() {
        // a static key as well, so that both need a key from the start: a store key not yet seen is a 401
        return TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0).withApiKeys(List.of("ops-key"))
                .withShutdownGrace(Duration.ofSeconds(1)).toBuilder().database(db).build());
    }

    @AfterEach
    void stop() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void aKeyCreatedThroughOneReplicaWorksOnTheOtherWithin5sAndItsRevocationToo() throws Exception {
        assertThat(one.store().isOpen()).isTrue();
        assertThat(two.store().isOpen()).isTrue();
        URI a = one.baseUri();
        URI b = two.baseUri();
        String secret = create(a, "{\"name\":\"alice\",\"max_concurrent\":2}");
        assertThat(message(a, secret)).isEqualTo(200);
        long created = System.nanoTime();
        Awaitility.await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> message(b, secret) == 200);
        long seenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created);
        assertThat(message(b, null)).isEqualTo(401);

        // a key made by the CLI on the same database
        String[] cli = KeysCommandTest.run("keys", "create", "bob", "--db", db);
        assertThat(cli[0]).as(cli[2]).isEqualTo("0");
        String[] lines = cli[1].strip().split("\n");
        String bob = lines[lines.length - 1];
        Awaitility.await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> message(a, bob) == 200 && message(b, bob) == 200);

        assertThat(send(b, "DELETE", "/admin/keys/alice", null).statusCode()).isEqualTo(200);
        assertThat(message(b, secret)).isEqualTo(401);
        long revoked = System.nanoTime();
        Awaitility.await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> message(a, secret) == 401);
        long goneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revoked);
        assertThat(message(a, bob)).isEqualTo(200);
        System.out.printf("two replicas: a new key worked on the other after %d ms, a revocation after %d ms%n",
                seenMs, goneMs);
    }

    @Test
    void maxConcurrentHoldsAcrossBothReplicas() throws Exception {
        create(one.baseUri(), "{\"name\":\"carol\",\"max_concurrent\":2}");
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> two.store().keys().size() == 1);
        ClientKey carol = two.store().keys().byDigest(digestOfOnlyKey());
        KeyCounters[] replicas = {one.store().counters(), two.store().counters()};
        // 4 requests that each hold their slot (slow streams), 2 on each replica, all asking at the same moment
        for (int round = 0; round < 3; round++) {
            CyclicBarrier together = new CyclicBarrier(4);
            AtomicInteger admitted = new AtomicInteger();
            List<KeyCounters> holding = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                KeyCounters replica = replicas[i % 2];
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        together.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    if (replica.tryBegin(carol, System.currentTimeMillis())) {
                        admitted.incrementAndGet();
                        holding.add(replica);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertThat(admitted.get()).as("round %d", round).isEqualTo(2);
            assertThat(replicas[0].tryBegin(carol, System.currentTimeMillis())).isFalse();
            assertThat(replicas[1].tryBegin(carol, System.currentTimeMillis())).isFalse();
            for (KeyCounters r : holding) {
                r.end(carol, 10, System.currentTimeMillis());
            }
            // both slots come back (the lease is given back off the caller's thread)
            Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() ->
                    replicas[0].usage(carol, System.currentTimeMillis()).inFlight() == 0
                            && replicas[1].usage(carol, System.currentTimeMillis()).inFlight() == 0);
        }
    }

    private String digestOfOnlyKey() throws Exception {
        var keys = two.store().repository().list();
        assertThat(keys).hasSize(1);
        return keys.get(0).secretSha256();
    }
}
