package dev.tolk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs `tolk bench --quick` end to end against real simulator and gateway processes (started from the test class
 * path) and checks only that it produced a complete result without errors; speed is never asserted here.
 */
class QuickBenchEndToEndTest {

    @Test
    void quickBenchProducesACompleteResultWithoutErrors(@TempDir Path dir) throws Exception {
        BenchMain main = new BenchMain();
        new CommandLine(main).parseArgs("--quick", "--class-path", System.getProperty("java.class.path"),
                "--results-dir", dir.toString());

        ObjectNode result = main.runAndWrite("test");

        assertThat(result.path("harnessErrors")).as("harness errors").isEmpty();
        JsonNode written = BenchJson.MAPPER.readTree(dir.resolve("latest.json").toFile());
        assertThat(written.fieldNames()).toIterable().containsExactlyElementsOf(() -> result.fieldNames());
        assertThat(dir.resolve("bench.png")).isNotEmptyFile();
        for (String section : new String[] {"sequential", "concurrent", "claudeCode", "resources", "slowStreams",
                "startup", "jmh"}) {
            assertThat(result.has(section)).as(section).isTrue();
        }
        for (JsonNode side : new JsonNode[] {result.at("/sequential/direct"), result.at("/sequential/tolk"),
                result.at("/concurrent/direct"), result.at("/concurrent/tolk"),
                result.at("/claudeCode/sequential/tolk"), result.at("/claudeCode/concurrent/tolk"),
                result.at("/slowStreams/direct"), result.at("/slowStreams/tolk"), result.at("/startup")}) {
            assertThat(side.path("errors").asLong(-1)).as(side.toString()).isZero();
        }
        assertThat(result.at("/sequential/tolk/samples").asInt()).isPositive();
        assertThat(result.at("/concurrent/tolk/requests").asLong()).isPositive();
        assertThat(result.at("/slowStreams/tolk/upstreamStillActive").asLong()).isZero();
        assertThat(result.at("/startup/readyMs").asDouble()).isPositive();
        assertThat(result.path("jmh").size()).isGreaterThanOrEqualTo(3);
        if (ReferenceProxy.installedVersion().isPresent()) {
            assertThat(result.at("/concurrent/reference/requests").asLong()).as("reference hop").isPositive();
            assertThat(result.at("/concurrent/reference/errors").asLong(-1)).as("reference hop").isZero();
            assertThat(ReportTable.markdown(result)).contains("through HAProxy ");
        } else {
            assertThat(result.at("/concurrent/referenceSkipped").asText()).isEqualTo("haproxy is not installed");
        }
        assertThat(ReportTable.markdown(result)).contains("Tolk/direct");
    }
}
