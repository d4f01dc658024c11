package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code tolk code -- -p …} run as its own process (the tolk command line on the test classpath), with nothing set
 * by the test but a fresh HOME and a PATH that holds {@code claude}: it completes a Bash tool round trip.
 */
class TolkCodeCommandTest {
    @Test
    void tolkCodeCompletesAToolRoundTripWithNoEnvironmentSetByTheTest() throws Exception {
        Path claude = ClaudeCli.binary();
        try (SimServer sim = SimServer.start(SimOptions.defaults())) {
            sim.loadScenario(ClaudeCodeEndToEndTest.BASH_ROUND_TRIP);
            Path home = Files.createTempDirectory("tolk-code-home");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "dev.tolk.server.cli.TolkMain", "code", "--upstream", sim.baseUri().toString(), "--",
                    "-p", "run echo gateway-ok", "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash")
                    .directory(home.toFile());
            pb.environment().clear();
            pb.environment().put("HOME", home.toString());
            pb.environment().put("PATH", claude.getParent() + ":/usr/bin:/bin");
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"type\":\"result\"").contains("gateway-ok");
            List<String> toolTurn = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                    .map(e -> e.body().toString()).toList();
            assertThat(toolTurn).hasSize(2);
            assertThat(toolTurn.get(1)).contains("\"role\":\"tool\"");
        }
    }

    @Test
    void aMissingClaudeSaysHowToInstallIt() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.tolk.server.cli.TolkMain", "code", "--upstream", "http://127.0.0.1:1");
        pb.environment().clear();
        pb.environment().put("PATH", "/nonexistent");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertThat(p.exitValue()).isEqualTo(127);
        assertThat(out).contains("npm i -g @anthropic-ai/claude-code");
    }

    @Test
    void anUnreachableUpstreamIsExplained() throws Exception {
        Path claude = ClaudeCli.binary();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.tolk.server.cli.TolkMain", "code", "--upstream", "http://127.0.0.1:1", "--claude", claude.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("is not reachable").contains("--upstream sim");
    }
}
