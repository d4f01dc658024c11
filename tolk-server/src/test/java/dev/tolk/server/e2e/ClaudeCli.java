package dev.tolk.server.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Claude Code CLI against a base URL, in the oldest and the newest version Tolk supports
 * ({@link Version}). Each binary comes from its environment variable ({@code TOLK_CLAUDE_OLDEST},
 * {@code TOLK_CLAUDE_NEWEST}) or {@code ~/.cache/tolk/claude-code-<version>} (where {@code .ci/run} installs both).
 * Tests are skipped when one is missing, unless {@code TOLK_REQUIRE_CLAUDE} is set (CI), where a missing CLI fails.
 */
final class ClaudeCli {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The CLI's stream-json output and exit code. */
    record Run(int exitCode, List<JsonNode> lines, String stderr) {
        JsonNode result() {
            return lines.stream().filter(l -> "result".equals(l.path("type").asText())).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no result line; stderr: " + stderr + "; lines: " + lines));
        }

        String all() {
            return lines.toString();
        }
    }

    /** The Claude Code versions the end-to-end tests run, and what each is expected to do differently. */
    enum Version {
        OLDEST("2.1.154", "TOLK_CLAUDE_OLDEST"),
        NEWEST("2.1.332", "TOLK_CLAUDE_NEWEST");

        final String number;
        private final String env;

        Version(String number, String env) {
            this.number = number;
            this.env = env;
        }

        /** From 2.1.300 a "prompt is too long" makes the CLI compact and go on; before, {@code -p} exits 1. */
        boolean compactsReactively() {
            return this == NEWEST;
        }

        Path binary() {
            String v = System.getenv(env);
            Path p = v != null ? Path.of(v) : Path.of(System.getProperty("user.home"),
                    ".cache/tolk/claude-code-" + number + "/node_modules/.bin/claude");
            boolean present = Files.isExecutable(p);
            if (!present && System.getenv("TOLK_REQUIRE_CLAUDE") != null) {
                throw new AssertionError("Claude Code " + number + " is required but missing at " + p
                        + " (.ci/run installs it with npm)");
            }
            assumeTrue(present, "Claude Code " + number + " not installed at " + p);
            return p;
        }

        @Override
        public String toString() {
            return "claude " + number;
        }
    }

    /** The newest supported CLI. */
    static Path binary() {
        return Version.NEWEST.binary();
    }

    static Run run(String baseUrl, Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        return run(Version.NEWEST, baseUrl, extraEnv, args);
    }

    static Run run(Version version, String baseUrl, Map<String, String> extraEnv, String... args)
            throws IOException, InterruptedException {
        Path bin = version.binary();
        Path home = Files.createTempDirectory("tolk-claude-home");
        Path work = Files.createTempDirectory("tolk-claude-work");
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ANTHROPIC_") || k.startsWith("CLAUDE"));
        env.put("HOME", home.toString());
        env.put("ANTHROPIC_BASE_URL", baseUrl);
        env.put("ANTHROPIC_API_KEY", "sk-test");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("CLAUDE_CODE_MAX_RETRIES", "2");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.putAll(extraEnv);
        Path err = Files.createTempFile("claude", ".err");
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        List<JsonNode> lines = new ArrayList<>();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("claude did not finish within 150 s");
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return new Run(p.exitValue(), lines, Files.readString(err));
    }
}
