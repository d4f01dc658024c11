package dev.tolk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs `tolk bench --db-variants --quick` end to end (simulator and gateways as processes from the test class path;
 * SQLite only: no PostgreSQL URL is given) and checks the result's shape: every side measured without errors, the
 * SQLite gateway's ledger written with nothing dropped. Speed is never asserted.
 */
class QuickDbVariantsBenchTest {

    @Test
    void quickDbVariantsBenchMeasuresEverySideAndTheLedgerKeepsUp(@TempDir Path dir) throws Exception {
        BenchMain main = new BenchMain();
        new CommandLine(main).parseArgs("--db-variants", "--quick", "--postgres", "", "--class-path",
                System.getProperty("java.class.path"), "--results-dir", dir.toString(), "--generator", "java");

        assertThat(main.call()).isZero();

        Path json;
        try (Stream<Path> files = Files.list(dir)) {
            json = files.filter(p -> p.getFileName().toString().startsWith("db-")).findFirst().orElseThrow();
        }
        ObjectNode result = (ObjectNode) BenchJson.MAPPER.readTree(json.toFile());
        for (String side : List.of("no database", "SQLite")) {
            assertThat(result.at("/sequential").path(side).path("tolk").path("samples").asInt()).as(side).isPositive();
            assertThat(result.at("/sequential").path(side).path("tolk").path("errors").asLong(-1)).as(side).isZero();
            JsonNode load = result.at("/concurrent").path(side);
            assertThat(load.path("requests").asLong()).as(side).isPositive();
            assertThat(load.path("errors").asLong(-1)).as(side).isZero();
        }
        // where tolk keys exists, the variant with a key is measured like the others; elsewhere it is said to be left out
        JsonNode withKey = result.at("/concurrent").path("SQLite + key");
        if (withKey.isMissingNode()) {
            assertThat(result.at("/skipped").path("SQLite + key").asText()).contains("tolk keys create");
        } else {
            assertThat(withKey.path("requests").asLong()).isPositive();
            assertThat(withKey.path("errors").asLong(-1)).as("requests with the store's key").isZero();
        }
        JsonNode ledger = result.at("/ledger").path("SQLite");
        assertThat(ledger.path("tolk_ledger_written_total").asDouble()).isPositive();
        assertThat(ledger.path("tolk_ledger_dropped_total").asDouble(-1)).isZero();
        assertThat(result.at("/ledger").path("no database").has("tolk_ledger_written_total")).isFalse();
        assertThat(DbVariantsBench.markdown(result)).contains("| no database | SQLite |")
                .contains("ledger writer thread: CPU per row");
    }
}
