package dev.tolk.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
    @TempDir
    Path dir;

    @Test
    void aSqliteFileIsCreatedWithItsDirectoryAndMigratedByFlyway() throws Exception {
        Path file = dir.resolve("nested/tolk.db");
        try (Database db = Database.open(file.toString())) {
            assertThat(db.kind()).isEqualTo(Database.Kind.SQLITE);
            assertThat(file).exists();
            try (Connection c = db.dataSource().getConnection();
                 ResultSet r = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (Connection c = db.dataSource().getConnection();
                 ResultSet r = c.createStatement().executeQuery(
                         "SELECT count(*) FROM sqlite_master WHERE name = 'flyway_schema_history'")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void thePostgresqlUrlKeepsItsPasswordOutOfTheDescription() {
        // nothing listens on port 1: opening fails, and the message names the store without the password
        assertThatThrownBy(() -> Database.open("postgresql://tolk:s3cret@127.0.0.1:1/tolk"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("postgresql://127.0.0.1:1/tolk")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void theDefaultFileFollowsXdgDataHome() {
        assertThat(Database.defaultFile(Map.of("XDG_DATA_HOME", "/data"))).isEqualTo(Path.of("/data/tolk/tolk.db"));
        assertThat(Database.defaultFile(Map.of()).toString()).endsWith("/.local/share/tolk/tolk.db");
    }
}
