package dev.tolk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code tolk bench fleet --fairness --quick} end to end (the simulated fleet and a gateway per run as separate
 * processes from the test class path). Checks the result's shape and that nothing failed, never a timing: those are
 * measured by the full run.
 */
class QuickFairnessBenchEndToEndTest {

    @Test
    void quickFairnessBenchRunsTheSmallKeysIdleFirstComeFirstServedAndFair(@TempDir Path dir) throws Exception {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.parseArgs("--class-path", System.getProperty("java.class.path"), "fleet", "--fairness", "--quick",
                "--results-dir", dir.toString());
        FleetCommand fleet = cl.getSubcommands().get("fleet").getCommand();

        ObjectNode result = fleet.runFairnessAndWrite("test");

        assertThat(result.path("harnessErrors")).as("harness errors").isEmpty();
        assertThat(dir.resolve("fairness-latest.json")).isNotEmptyFile();
        FairnessSettings settings = FairnessSettings.quickRun();
        JsonNode runs = result.at("/fairness/runs");
        assertThat(runs.fieldNames()).toIterable().containsExactly("idle", "first-come-first-served", "fair");
        for (var it = runs.fields(); it.hasNext(); ) {
            var run = it.next();
            JsonNode r = run.getValue();
            int small = settings.smallKeys() * settings.smallTurns();
            assertThat(r.at("/small/requests").asInt()).as(run.getKey()).isEqualTo(small);
            assertThat(r.at("/small/errors").asInt(-1)).as(run.getKey() + " " + r.at("/small/errorExamples")).isZero();
            assertThat(r.at("/small/firstTextMs/samples").asInt()).as(run.getKey()).isEqualTo(small);
            assertThat(r.at("/big/errors").asInt(-1)).as(run.getKey() + " " + r.at("/big/errorExamples")).isZero();
            assertThat(r.at("/big/requests").asInt()).as(run.getKey()).isEqualTo(
                    run.getKey().equals("idle") ? 0 : r.at("/big/firstTextMs/samples").asInt());
        }
        assertThat(runs.at("/first-come-first-served/big/requests").asInt()).isPositive();
        assertThat(runs.at("/fair/big/requests").asInt()).isPositive();
        assertThat(runs.at("/fair/fairQueue").asBoolean()).isTrue();
        assertThat(runs.at("/first-come-first-served/fairQueue").asBoolean()).isFalse();
        assertThat(FairnessTable.markdown(result)).contains("small keys' p90 / idle p90", "first come, first served");
    }
}
