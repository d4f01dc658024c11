package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code tolk code -- -p …} run as its own process (the tolk command line on the test classpath), with nothing set
 * by the test but a fresh HOME and a PATH that holds {@code claude}: it completes a Bash tool round trip on the
 * oldest and the newest supported CLI, and the gateway's log goes to a file, not to the terminal the CLI draws.
 */
class TolkCodeCommandTest {
    static Process tolkCode(ClaudeCli.Version v, SimServer sim, Path home, Path stderr, String... tolkArgs)
            throws Exception {
        Path claude = v.binary();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.tolk.server.cli.TolkMain", "code", "--upstream", sim.baseUri().toString()));
        cmd.addAll(List.of(tolkArgs));
        cmd.addAll(List.of("--", "-p", "run echo gateway-ok", "--output-format", "stream-json", "--verbose",
                "--allowedTools", "Bash"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().clear();
        pb.environment().put("HOME", home.toString());
        pb.environment().put("PATH", claude.getParent() + ":/usr/bin:/bin");
        pb.redirectError(stderr.toFile());
        return pb.start();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void tolkCodeCompletesAToolRoundTripAndLogsToAFileNotTheTerminal(ClaudeCli.Version v) throws Exception {
        try (SimServer sim = SimServer.start(SimOptions.defaults())) {
            sim.loadScenario(ClaudeCodeEndToEndTest.BASH_ROUND_TRIP);
            Path home = Files.createTempDirectory("tolk-code-home");
            Path stderr = Files.createTempFile("tolk-code", ".err");
            Process p = tolkCode(v, sim, home, stderr);
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"type\":\"result\"").contains("gateway-ok");
            List<String> toolTurn = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                    .map(e -> e.body().toString()).toList();
            assertThat(toolTurn).hasSize(2);
            assertThat(toolTurn.get(1)).contains("\"role\":\"tool\"");

            Path log = home.resolve(".local/state/tolk/code.log");
            String err = Files.readString(stderr);
            assertThat(err).contains("tolk: gateway log -> " + log).contains("Claude Code " + v.number)
                    .doesNotContain("request_id=").doesNotContain(" INFO ");
            // the simulator's 32k window is under the CLI's 100k auto-compact minimum: said once, not set
            assertThat(err).contains("under Claude Code's 100k auto-compact minimum");
            assertThat(Files.readString(log).lines().filter(l -> l.contains("route=/v1/messages status=200")))
                    .hasSize(2);
        }
    }

    @Test
    void verboseKeepsTheLogOnStderrAndLogFileChoosesTheFile() throws Exception {
        try (SimServer sim = SimServer.start(SimOptions.defaults())) {
            sim.loadScenario(ClaudeCodeEndToEndTest.BASH_ROUND_TRIP);
            Path home = Files.createTempDirectory("tolk-code-home");
            Path stderr = Files.createTempFile("tolk-code", ".err");
            Process p = tolkCode(ClaudeCli.Version.NEWEST, sim, home, stderr, "--verbose");
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(stderr)).contains("route=/v1/messages status=200")
                    .doesNotContain("gateway log");

            Path chosen = home.resolve("logs/tolk.log");
            Process q = tolkCode(ClaudeCli.Version.NEWEST, sim, home, stderr, "--log-file", chosen.toString());
            q.getInputStream().readAllBytes();
            assertThat(q.waitFor(150, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(stderr)).contains("tolk: gateway log -> " + chosen)
                    .doesNotContain("request_id=");
            assertThat(Files.readString(chosen)).contains("route=/v1/messages status=200");
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
