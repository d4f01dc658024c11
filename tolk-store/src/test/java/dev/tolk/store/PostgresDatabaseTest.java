package dev.tolk.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.store.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** The store on a real PostgreSQL server ({@link PostgresServer}). */
class PostgresDatabaseTest {
    @Test
    void aPostgresqlUrlOpensAMigratedStore() throws Exception {
        String url = PostgresServer.databaseFor(PostgresDatabaseTest.class);
        try (Database db = Database.open(url)) {
            assertThat(db.kind()).isEqualTo(Database.Kind.POSTGRESQL);
            assertThat(db.description()).startsWith("postgresql://127.0.0.1:");
            try (Connection c = db.dataSource().getConnection();
                 ResultSet r = c.createStatement().executeQuery(
                         "SELECT count(*) FROM information_schema.tables WHERE table_name = 'flyway_schema_history'")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void aServerOfItsOwnStopsAndStartsAgainOnTheSamePortWithItsData() throws Exception {
        PostgresServer server;
        try {
            server = PostgresServer.startNew();
        } catch (RuntimeException e) {
            PostgresServer.unavailable(e);
            return;
        }
        try (server) {
            server.createDatabase("kept");
            server.stop();
            assertThatThrownBy(() -> server.createDatabase("refused")).isInstanceOf(IllegalStateException.class);
            server.start();
            try (Database db = Database.open(server.url("kept"))) {
                assertThat(db.kind()).isEqualTo(Database.Kind.POSTGRESQL);
            }
        }
    }
}
