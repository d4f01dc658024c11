package dev.tolk.server.keys;

import static dev.tolk.server.keys.StoreKeysGatewayTest.create;
import static dev.tolk.server.keys.StoreKeysGatewayTest.message;
import static dev.tolk.server.keys.StoreKeysGatewayTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import dev.tolk.store.testing.PostgresServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The gateway and a PostgreSQL store that goes away: at start, and while it serves. */
class StoreOutageGatewayTest {
    @Test
    void aStoreDownAtStartIsOpenedWhenItComesBackAndAStoreThatStopsLeavesLoadedKeysWorking() throws Exception {
        PostgresServer pg;
        try {
            pg = PostgresServer.startNew();
        } catch (RuntimeException e) {
            PostgresServer.unavailable(e);
            return;
        }
        try (pg; SimServer sim = SimServer.start(SimOptions.defaults())) {
            pg.createDatabase("tolk");
            pg.stop();
            try (TolkServer tolk = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0)
                    .withShutdownGrace(Duration.ofSeconds(1)).toBuilder().database(pg.url("tolk")).build())) {
                URI base = tolk.baseUri();
                assertThat(tolk.store().isOpen()).isFalse();
                assertThat(message(base, null)).as("serving without its store").isEqualTo(200);

                pg.start();
                Awaitility.await().atMost(15, TimeUnit.SECONDS).until(() -> tolk.store().isOpen());
                String secret = create(base, "{\"name\":\"alice\",\"max_concurrent\":1}");
                assertThat(message(base, secret)).isEqualTo(200);

                pg.stop();
                long started = System.nanoTime();
                assertThat(message(base, secret)).as("a key loaded before keeps working").isEqualTo(200);
                assertThat(message(base, null)).isEqualTo(401);
                assertThat(message(base, "tolk_unknown")).isEqualTo(401);
                var keys = send(base, "GET", "/admin/keys", null);
                assertThat(keys.statusCode()).isEqualTo(503);
                assertThat(keys.body()).contains("api_error");
                // a reload fails and the keys stay
                Thread.sleep(2_500);
                assertThat(message(base, secret)).isEqualTo(200);
                assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(20);

                pg.start();
                Awaitility.await().atMost(15, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                        .until(() -> send(base, "GET", "/admin/keys", null).statusCode() == 200);
                String second = create(base, "{\"name\":\"bob\"}");
                assertThat(message(base, second)).isEqualTo(200);
            }
        }
    }
}
