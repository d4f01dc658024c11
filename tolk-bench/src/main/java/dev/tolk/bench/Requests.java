package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The request bodies the benchmark sends: a minimal streaming turn and the largest real Claude Code request. */
public final class Requests {
    private Requests() {}

    /** The Anthropic side of the minimal turn. */
    static byte[] simpleAnthropic(String model) {
        return Endpoint.bytes("""
                {"model":"%s","max_tokens":1024,"stream":true,\
                "messages":[{"role":"user","content":"Tell me a story."}]}""".formatted(model));
    }

    /** The OpenAI request a gateway would send for {@link #simpleAnthropic}: same prompt, stream with usage. */
    static byte[] simpleOpenAi(String model) {
        return Endpoint.bytes("""
                {"model":"%s","max_tokens":1024,"stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"Tell me a story."}]}""".formatted(model));
    }

    /**
     * The repository's recorded Claude Code requests, {@code <repo>/fixtures/claude-code}: the nearest folder at or
     * above the working directory with a pom.xml and that folder ({@code ./tolk bench} runs from the root).
     */
    public static Path claudeCodeFixtures() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path dir = p.resolve("fixtures").resolve("claude-code");
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(dir)) {
                return dir;
            }
        }
        throw new IllegalStateException("fixtures/claude-code not found at or above " + start
                + "; run from inside the Tolk repository or pass --fixtures");
    }

    /** The largest `POST /v1/messages` body in the Claude Code fixtures, as sent (its own model name kept). */
    public static byte[] largestClaudeCode(Path fixturesDir) throws IOException {
        JsonNode best = null;
        int bestSize = -1;
        try (Stream<Path> files = Files.list(fixturesDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode rec = BenchJson.MAPPER.readTree(line);
                    if (!"POST".equals(rec.path("method").asText())
                            || !"/v1/messages".equals(rec.path("path").asText())
                            || !rec.path("body").isObject()) {
                        continue;
                    }
                    int size = BenchJson.MAPPER.writer().writeValueAsBytes(rec.get("body")).length;
                    if (size > bestSize) {
                        best = rec.get("body");
                        bestSize = size;
                    }
                }
            }
        }
        if (best == null) {
            throw new IOException("no POST /v1/messages body in " + fixturesDir);
        }
        ObjectNode body = ((ObjectNode) best).deepCopy();
        body.put("stream", true);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
