package dev.tolk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code tolk bench fleet --quick} end to end: a simulated fleet and a gateway per routing policy as separate
 * processes (started from the test class path). Checks the result's shape and that nothing failed, never a timing or
 * a target: those are measured by the full run.
 */
class QuickFleetBenchEndToEndTest {

    @Test
    void quickFleetBenchProducesEveryPolicyTheIdealAndTheKillRun(@TempDir Path dir) throws Exception {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.parseArgs("--class-path", System.getProperty("java.class.path"), "fleet", "--quick",
                "--results-dir", dir.toString());
        FleetCommand fleet = cl.getSubcommands().get("fleet").getCommand();

        ObjectNode result = fleet.runAndWrite("test");

        assertThat(result.path("harnessErrors")).as("harness errors").isEmpty();
        JsonNode written = BenchJson.MAPPER.readTree(dir.resolve("fleet-latest.json").toFile());
        assertThat(written.toString()).isEqualTo(result.toString());
        assertThat(dir.resolve("fleet-test.json")).isNotEmptyFile();
        assertThat(dir.resolve("bench-fleet.png")).isNotEmptyFile();

        FleetSettings settings = FleetSettings.quickRun();
        JsonNode cfg = result.at("/fleet/settings");
        assertThat(cfg.path("kvBlocks").asInt()).isPositive();
        assertThat(cfg.path("promptTokensLastTurnMean").asDouble())
                .isGreaterThan(cfg.path("promptTokensFirstTurnMean").asDouble());
        JsonNode runs = result.at("/fleet/policies");
        assertThat(runs.fieldNames()).toIterable()
                .containsExactly("ideal", "round-robin", "least-loaded", "affinity", "bounded-affinity");
        for (var it = runs.fields(); it.hasNext(); ) {
            var run = it.next();
            JsonNode r = run.getValue();
            assertThat(r.path("requests").asInt()).as(run.getKey()).isEqualTo(settings.requests());
            assertThat(r.path("errors").asLong(-1)).as(run.getKey() + " " + r.path("errorExamples")).isZero();
            assertThat(r.path("hitRatio").asDouble(-1)).as(run.getKey()).isBetween(0.0, 1.0);
            assertThat(r.path("instances")).as(run.getKey()).hasSize(settings.instances());
            // every admitted request was timed by the simulator, every answer by the client
            assertThat(r.at("/modelledTtftMs/samples").asInt()).as(run.getKey())
                    .isGreaterThanOrEqualTo(settings.requests());
            assertThat(r.at("/clientFirstTextMs/samples").asInt()).as(run.getKey()).isEqualTo(settings.requests());
            assertThat(r.path("busiestOverMean").asDouble()).as(run.getKey()).isGreaterThanOrEqualTo(1.0);
            assertThat(r.path("wallSeconds").asDouble()).as(run.getKey()).isPositive();
        }
        // pinned sessions never move (the request logs say where each turn went); through the gateway even affinity
        // may move one when an upstream is ejected, so only the figures' presence is checked there
        assertThat(runs.at("/ideal/turnsMoved").asInt(-1)).isZero();
        assertThat(runs.at("/ideal/turnsAwayFromHome").asInt(-1)).isZero();
        for (String p : new String[] {"round-robin", "least-loaded", "affinity", "bounded-affinity"}) {
            assertThat(runs.at("/" + p + "/turnsMoved").asInt(-1)).as(p).isBetween(0, settings.requests());
            assertThat(runs.at("/" + p + "/awayWhileHomeHadFreeSlot").asInt(-1)).as(p).isGreaterThanOrEqualTo(0);
        }
        JsonNode kill = result.at("/fleet/kill");
        assertThat(kill.path("policy").asText()).isEqualTo("bounded-affinity");
        assertThat(kill.path("killedInstance").asInt(-1)).isBetween(0, settings.instances() - 1);
        assertThat(kill.path("requests").asInt()).isEqualTo(settings.requests());
        assertThat(kill.path("requestsOnKilledInstance").asLong(-1)).isGreaterThanOrEqualTo(0);
        assertThat(kill.has("errorsBeforeContent")).isTrue();
        assertThat(kill.has("errorsWhileFlowing")).isTrue();
        assertThat(kill.path("killedAtSeconds").asDouble()).isPositive();

        String table = FleetTable.markdown(result);
        assertThat(table).contains("bounded-affinity (Tolk default)", "prefix-cache hit ratio", "kill run");
        assertThat(ReportTable.markdown(result)).contains("bounded-affinity (Tolk default)");
    }
}
