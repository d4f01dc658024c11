package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code tolk code} as a person uses it: the interactive CLI in a terminal (tmux), a prompt typed with send-keys
 * that makes the model call Bash, the screen read with capture-pane. Nothing of the gateway's log may be on the
 * screen Claude Code draws; it is in the log file. Skipped without tmux unless {@code TOLK_REQUIRE_CLAUDE} is set.
 */
class TolkCodeInteractiveTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void theInteractiveCliCompletesAToolCallWithNoGatewayLineOnItsScreen(ClaudeCli.Version v) throws Exception {
        Path claude = v.binary();
        String tmux = tmux();
        String socket = "tolk-test-" + UUID.randomUUID();
        try (SimServer sim = SimServer.start(SimOptions.defaults())) {
            sim.loadScenario(ClaudeCodeEndToEndTest.BASH_ROUND_TRIP);
            Path home = Files.createTempDirectory("tolk-tui-home");
            Path work = Files.createTempDirectory("tolk-tui-work").toRealPath();
            // a first start would show the theme picker and the folder-trust question
            Files.writeString(home.resolve(".claude.json"), "{\"hasCompletedOnboarding\":true,\"theme\":\"dark\","
                    + "\"numStartups\":1,\"projects\":{\"" + work + "\":{\"hasTrustDialogAccepted\":true,"
                    + "\"hasCompletedProjectOnboarding\":true}}}");
            Path script = home.resolve("tolk-code.sh");
            Files.writeString(script, "#!/bin/sh\ncd '" + work + "'\n"
                    + "export HOME='" + home + "' PATH='" + claude.getParent() + ":/usr/bin:/bin' TERM=xterm-256color\n"
                    + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                    + System.getProperty("java.class.path") + "' dev.tolk.server.cli.TolkMain code --upstream "
                    + sim.baseUri() + " -- --allowedTools Bash\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            try {
                run(tmux, "-L", socket, "new-session", "-d", "-s", "tolk", "-x", "110", "-y", "36", script.toString());
                String screen = waitFor(tmux, socket, s -> s.contains("Claude Code v" + v.number) && s.contains("❯"));
                assertThat(screen).doesNotContain("request_id=");
                run(tmux, "-L", socket, "send-keys", "-t", "tolk", "-l", "run echo gateway-ok");
                Thread.sleep(500);
                run(tmux, "-L", socket, "send-keys", "-t", "tolk", "Enter");
                screen = waitFor(tmux, socket, s -> s.contains("The command printed: gateway-ok"));
                Files.writeString(Path.of("target", "tolk-code-session-" + v.number + ".txt"), screen);

                assertThat(screen).contains("gateway-ok").doesNotContain("request_id=").doesNotContain("route=")
                        .doesNotContain(" INFO ").doesNotContain("WARN ");
                Path log = home.resolve(".local/state/tolk/code.log");
                // the tool turn and the answer (2.1.154 also asks for a short side request of its own)
                assertThat(Files.readString(log).lines().filter(l -> l.contains("route=/v1/messages status=200")))
                        .hasSizeGreaterThanOrEqualTo(2).anyMatch(l -> l.contains("stop=tool_use"));
                List<String> turns = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                        .map(e -> e.body().toString()).toList();
                assertThat(turns.get(turns.size() - 1)).contains("\"role\":\"tool\"");
            } finally {
                run(tmux, "-L", socket, "kill-server");
            }
        }
    }

    private static String tmux() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "tmux");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if (System.getenv("TOLK_REQUIRE_CLAUDE") != null) {
            throw new AssertionError("tmux is required but missing (.ci/run installs it)");
        }
        assumeTrue(false, "tmux not installed");
        return null;
    }

    private static String waitFor(String tmux, String socket, java.util.function.Predicate<String> done)
            throws Exception {
        Instant end = Instant.now().plus(WAIT);
        String screen = "";
        while (Instant.now().isBefore(end)) {
            screen = run(tmux, "-L", socket, "capture-pane", "-p", "-t", "tolk");
            if (done.test(screen)) {
                return screen;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the screen did not show what was expected within " + WAIT + ":\n" + screen);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return out;
    }
}
