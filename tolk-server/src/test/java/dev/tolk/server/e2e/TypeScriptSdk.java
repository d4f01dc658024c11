package dev.tolk.server.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a node script against the official TypeScript SDK ({@code @anthropic-ai/sdk@1.17.0}), installed in
 * {@code $TOLK_ANTHROPIC_SDK_TS_DIR} or {@code ~/.cache/tolk/anthropic-sdk-ts} (where {@code .ci/run} installs it).
 * Tests are skipped when it is missing, unless {@code TOLK_REQUIRE_ANTHROPIC_SDK_TS} is set (CI), where a missing SDK
 * fails.
 */
final class TypeScriptSdk {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        String env = System.getenv("TOLK_ANTHROPIC_SDK_TS_DIR");
        Path d = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache/tolk/anthropic-sdk-ts");
        boolean present = Files.isRegularFile(d.resolve("node_modules/@anthropic-ai/sdk/package.json"));
        if (!present && System.getenv("TOLK_REQUIRE_ANTHROPIC_SDK_TS") != null) {
            throw new AssertionError("the TypeScript SDK is required but missing in " + d
                    + " (.ci/run installs it with npm)");
        }
        assumeTrue(present, "@anthropic-ai/sdk not installed in " + d);
        return d;
    }

    /** Runs the test resource {@code e2e/<script>} with {@code args}; its last stdout line is JSON. */
    static JsonNode run(String script, String... args) throws IOException, InterruptedException {
        Path modules = dir().resolve("node_modules");
        Path file = Files.createTempFile("tolk-ts-", ".cjs");
        try (InputStream in = TypeScriptSdk.class.getResourceAsStream("/e2e/" + script)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("node", file.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC_"));
        pb.environment().put("NODE_PATH", modules.toString());
        Path err = Files.createTempFile("tolk-ts-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("node did not finish within 60 s");
        }
        String[] lines = out.strip().split("\n");
        if (lines.length == 0 || !lines[lines.length - 1].startsWith("{")) {
            throw new AssertionError("no JSON from node (exit " + p.exitValue() + "): " + out + Files.readString(err));
        }
        return JSON.readTree(lines[lines.length - 1]);
    }
}
